"""Embed endpoints: a video's player config for embedded players, and its embed tokens
(owners, additional owners, staff). The oEmbed endpoint and the embed page are plain
Django views (:mod:`api.embed.views`): oEmbed answers the bare JSON its spec defines."""

from __future__ import annotations

from uuid import UUID

from ninja import Header, Query, Router, Status

from api.accounts.auth import auth_optional, auth_required
from api.core.fields import line
from api.embed import selectors, services
from api.embed.oembed import embed_page_url, frame_size, iframe_html
from api.embed.schemas import EmbedOut, EmbedTokenCreatedOut, EmbedTokenIn, EmbedTokenOut
from api.playback.services import player_config
from api.videos.api import GrantHeader
from api.videos.selectors import video_get_editable

router = Router()

#: an embed token as sent (43 characters; longer ones are refused: 422)
Secret = line(200, strip=False)

TokenHeader = Header(
    None, alias=selectors.EMBED_TOKEN_HEADER, description="an embed token of this video"
)
TokenQuery = Query(None, alias="token", description="an embed token (or the X-Embed-Token header)")


@router.get("/{uuid:video_id}/embed", response=EmbedOut, auth=auth_optional)
def get_embed(
    request,
    video_id: UUID,
    token: Secret | None = TokenHeader,
    token_query: Secret | None = TokenQuery,
    grant: str | None = GrantHeader,
):
    """The player config of a video for an embedded player: for whoever may see the
    video (404 otherwise), or with an embed token of this video (header
    ``X-Embed-Token`` or ``?token=``) whatever its visibility; a bad, expired or revoked
    token: 403 ``invalid_embed_token``. Media URLs of non-public videos carry the usual
    expiring media token."""
    secret = token or token_query
    video = selectors.embed_video_get(
        video_id=video_id, user=request.auth, secret=secret, grant=grant
    )
    return {
        "id": video.id,
        "title": video.title,
        "embed_url": embed_page_url(request, video.id),
        "player": player_config(request=request, video=video),
    }


@router.get("/{uuid:video_id}/embed-tokens", response=list[EmbedTokenOut], auth=auth_required)
def list_embed_tokens(request, video_id: UUID):
    """The video's embed tokens, newest first, without their secrets (owners,
    additional owners, staff: 403 for others who see the video, 404 otherwise)."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    return list(selectors.embed_token_list(video=video))


@router.post(
    "/{uuid:video_id}/embed-tokens", response={201: EmbedTokenCreatedOut}, auth=auth_required
)
def create_embed_token(request, video_id: UUID, payload: EmbedTokenIn):
    """A new embed token (owners, additional owners, staff): it opens this video's
    player config and media to whoever holds it, until it expires or is revoked. The
    secret is in this answer only. ``lifetime_seconds`` over ``EMBED_TOKEN_MAX_SECONDS``:
    422 ``validation_error``."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    token, secret = services.embed_token_create(video=video, actor=request.auth, **payload.dict())
    url = embed_page_url(request, video.id, secret)
    width, height = frame_size(video)
    token.token = secret
    token.embed_url = url
    token.html = iframe_html(src=url, width=width, height=height, title=video.title)
    return Status(201, token)


@router.delete(
    "/{uuid:video_id}/embed-tokens/{uuid:token_id}", response={204: None}, auth=auth_required
)
def revoke_embed_token(request, video_id: UUID, token_id: UUID):
    """Revoke an embed token (owners, additional owners, staff); it stays listed.
    Media URLs already handed out work until their own expiry."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    services.embed_token_revoke(token=selectors.embed_token_get(video=video, token_id=token_id))
    return Status(204, None)
