from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Pod V5 user. A custom model from the start, so profile fields (affiliation,
    establishment, roles) can be added without swapping the user model later."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.username
