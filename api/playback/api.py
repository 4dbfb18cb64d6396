from uuid import UUID

from ninja import Router

from api.accounts.auth import auth_optional
from api.playback.schemas import PlayerOut
from api.playback.services import player_config
from api.videos.api import GrantHeader
from api.videos.selectors import video_get

router = Router()


@router.get("/{uuid:video_id}/player", response=PlayerOut, auth=auth_optional)
def get_player(request, video_id: UUID, grant: str | None = GrantHeader):
    """Player config: HLS master URL, MP4 fallbacks, poster, storyboard, tracks,
    chapters, duration and status. Same visibility as the video (404 otherwise; a
    password-protected video needs its ``X-Video-Grant``). Media URLs of non-public
    videos carry an expiring token."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    return player_config(request=request, video=video)
