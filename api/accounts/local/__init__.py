"""Local accounts (platforms without SSO): self-registration with e-mail activation,
password reset by e-mail link, password change. See docs/auth.md "Local accounts"."""
