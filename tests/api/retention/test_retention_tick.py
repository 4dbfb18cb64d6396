"""``retention_tick`` end to end: digests e-mailed through a real SMTP server on
loopback, each warning once, archive at the deletion date, deletion (files included)
after the archive period. Time moves by passing ``now``."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from api.retention.models import RetentionNotice, VideoRetention
from api.retention.services import retention_extend, retention_tick
from api.videos.models import Video
from tests.api.factories import make_video, write_outputs
from tests.api.retention.conftest import noon, set_deletion_date

pytestmark = pytest.mark.django_db


@pytest.fixture
def videos(policy_settings, user, other_user):
    """alice's two videos (bob co-owns the second) due on 2030-03-10 and 2030-04-05, and
    one of hers due in years."""
    soon = make_video(user, title="Signal processing")
    later = make_video(user, title="Thermodynamics", co_owners=[other_user])
    far = make_video(user, title="Far away")
    set_deletion_date(soon, date(2030, 3, 10))
    set_deletion_date(later, date(2030, 4, 5))
    set_deletion_date(far, date(2035, 1, 1))
    return soon, later, far


def test_one_digest_per_owner_lists_their_videos(smtp, videos):
    soon, later, far = videos
    result = retention_tick(now=noon(2030, 2, 20))  # 18 and 44 days before

    assert sorted(result["warned"]) == sorted([str(soon.id), str(later.id)])
    assert sorted(result["mailed"]) == ["alice", "bob"]
    [to_alice] = smtp.to("alice@example.org")
    [to_bob] = smtp.to("bob@example.org")
    assert len(smtp.messages) == 2
    assert to_alice["To"] == "alice@example.org"
    assert to_alice["From"] == "pod@univ.example"
    assert to_alice["Subject"] == "[Pod] 2 of your videos will be unpublished from 2030-03-10"
    body = to_alice.get_content()
    assert "Signal processing" in body and "Thermodynamics" in body
    assert "Far away" not in body
    assert "deletion date: 2030-03-10 (in 18 days)" in body
    assert "deletion date: 2030-04-05 (in 44 days)" in body
    assert "deleted for good on 2030-04-09" in body  # + 30 archive days
    assert f"POST https://pod.univ.example/api/v1/videos/{soon.id}/retention/extend" in body
    bob_body = to_bob.get_content()
    assert to_bob["Subject"] == "[Pod] 1 of your videos will be unpublished from 2030-04-05"
    assert "Thermodynamics" in bob_body and "Signal processing" not in bob_body


def test_a_second_tick_sends_nothing_again(smtp, videos):
    retention_tick(now=noon(2030, 2, 20))
    smtp.clear()
    again = retention_tick(now=noon(2030, 2, 20))
    later_same_stage = retention_tick(now=noon(2030, 2, 25))  # still the 30/60-day stages
    assert smtp.messages == []
    assert again["warned"] == again["mailed"] == later_same_stage["mailed"] == []


def test_each_threshold_is_warned_once(smtp, videos):
    soon, later, _ = videos
    retention_tick(now=noon(2030, 2, 20))
    smtp.clear()
    retention_tick(now=noon(2030, 3, 5))  # soon: 5 days left → the 7-day warning
    [mail] = smtp.messages
    assert smtp.recipients == [["alice@example.org"]]
    assert "Signal processing" in mail.get_content()
    assert "Thermodynamics" not in mail.get_content()
    assert VideoRetention.objects.get(video=soon).warned_days == 7


def test_the_page_link_when_a_front_end_is_configured(smtp, videos, settings):
    settings.VIDEO_PAGE_URL = "https://pod.univ.example/video/{id}/"
    soon, _, _ = videos
    retention_tick(now=noon(2030, 2, 20))
    body = smtp.to("alice@example.org")[0].get_content()
    assert f"keep it longer: https://pod.univ.example/video/{soon.id}/" in body


def test_an_extension_voids_the_pending_warnings(smtp, videos, user):
    soon, later, _ = videos
    retention_tick(now=noon(2030, 2, 20))
    retention_extend(video=soon, actor=user, deletion_date=date(2031, 1, 1), now=noon(2030, 2, 21))
    smtp.clear()
    retention_tick(now=noon(2030, 3, 5))
    assert smtp.messages == []  # the old date's 7-day warning is void
    assert VideoRetention.objects.get(video=soon).warned_days is None


def test_smtp_down_keeps_the_warnings_for_the_next_tick(smtp, videos, settings):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there: connection refused
    failed = retention_tick(now=noon(2030, 2, 20))
    assert failed["mailed"] == [] and len(failed["warned"]) == 2
    assert RetentionNotice.objects.filter(sent_at=None).count() == 3  # alice 2, bob 1
    settings.EMAIL_PORT = port
    retried = retention_tick(now=noon(2030, 2, 21))
    assert sorted(retried["mailed"]) == ["alice", "bob"]
    assert len(smtp.messages) == 2


def test_owners_without_email_are_skipped(smtp, videos, user):
    user.email = ""
    user.save()
    result = retention_tick(now=noon(2030, 2, 20))
    assert result["mailed"] == ["bob"]


def test_archived_at_the_date_then_deleted_with_its_files(
    smtp, videos, anon, alice, _media_root, django_capture_on_commit_callbacks
):
    soon, _, _ = videos
    write_outputs(soon, _media_root)
    files = Path(_media_root) / soon.storage_prefix
    assert anon.get(f"/api/v1/videos/{soon.id}").status_code == 200

    assert retention_tick(now=noon(2030, 3, 9))["archived"] == []  # the day before
    result = retention_tick(now=noon(2030, 3, 10))
    assert result["archived"] == [str(soon.id)]
    soon.refresh_from_db()
    assert soon.is_draft and soon.status == "ready"
    assert anon.get(f"/api/v1/videos/{soon.id}").status_code == 404  # unpublished
    mine = alice.get(f"/api/v1/videos/{soon.id}").json()["data"]
    assert mine["retention"]["state"] == "archived"
    assert mine["retention"]["purge_date"] == "2030-04-09"
    assert files.is_dir()  # source and outputs kept

    # republished without a new date: the next tick unpublishes it again
    alice.patch_json(f"/api/v1/videos/{soon.id}", {"is_draft": False})
    assert retention_tick(now=noon(2030, 3, 11))["archived"] == []
    soon.refresh_from_db()
    assert soon.is_draft

    assert retention_tick(now=noon(2030, 4, 8))["deleted"] == []
    with django_capture_on_commit_callbacks(execute=True):
        result = retention_tick(now=noon(2030, 4, 9))
    assert result["deleted"] == [str(soon.id)]
    assert not Video.objects.filter(pk=soon.id).exists()
    assert not files.exists()
    assert alice.get(f"/api/v1/videos/{soon.id}").status_code == 404


def test_extending_an_archived_video_brings_it_back_as_a_draft(videos, user):
    soon, later, _ = videos
    retention_tick(now=noon(2030, 3, 10))
    row = retention_extend(video=soon, actor=user, now=noon(2030, 3, 12))
    assert row.state == "active" and row.archived_at is None
    assert row.deletion_date == date(2032, 3, 12)  # the policy's 2 years from today
    late = retention_tick(now=noon(2031, 1, 1))
    assert late["archived"] == [str(later.id)]  # its date passed while nobody ticked...
    assert late["deleted"] == []  # ...yet it gets its whole archive period
    assert VideoRetention.objects.get(video=later).purge_date == date(2031, 1, 31)
    soon.refresh_from_db()
    assert soon.is_draft  # its owners publish it again


def test_videos_without_a_row_get_one(policy_settings, user):
    video = make_video(user)
    VideoRetention.objects.filter(video=video).delete()
    result = retention_tick(now=noon(2020, 1, 1))
    assert result["initialised"] == [str(video.id)]
    assert VideoRetention.objects.filter(video=video).exists()


def test_an_old_video_imported_in_bulk_is_warned_before_it_goes(smtp, policy_settings, user):
    video = make_video(user, title="From V4")  # a bulk import: no row, an old creation date
    VideoRetention.objects.filter(video=video).delete()
    Video.objects.filter(pk=video.pk).update(created_at=noon(2012, 9, 1))
    result = retention_tick(now=noon(2030, 1, 1))
    assert result["initialised"] == [str(video.id)] and result["archived"] == []
    row = VideoRetention.objects.get(video=video)
    assert row.deletion_date == date(2030, 3, 2)  # the first warning's 60 days from today
    assert result["warned"] == [str(video.id)]
    assert "From V4" in smtp.to("alice@example.org")[0].get_content()


def test_command_dry_run_changes_nothing(smtp, videos):
    soon, later, _ = videos
    out = io.StringIO()
    call_command("retention_tick", "--dry-run", "--now", "2030-03-10T12:00:00+00:00", stdout=out)
    text = out.getvalue()
    assert text.startswith("dry run: would have initialised=0 warned=1 mailed=2 archived=1")
    assert f"archived {soon.id}" in text and f"warned {later.id}" in text
    assert smtp.messages == []
    assert RetentionNotice.objects.count() == 0
    assert VideoRetention.objects.get(video=soon).state == "active"

    out = io.StringIO()
    call_command("retention_tick", "--now", "2030-03-10T12:00:00+00:00", stdout=out)
    assert out.getvalue().startswith("initialised=0 warned=1 mailed=2 archived=1 deleted=0")
    assert VideoRetention.objects.get(video=soon).state == "archived"
    assert len(smtp.messages) == 2


def test_command_rejects_a_bad_now(policy_settings):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("retention_tick", "--now", "yesterday")
