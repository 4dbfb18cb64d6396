"""The custom resources' names, shared by the API (which creates them), the CRD generator
and the operator: group, version, kinds, plurals, and the labels, annotations and
finalizer set on them and on what the operator makes for them."""

from __future__ import annotations

GROUP = "media.podv5.io"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "EncodingJob"
PLURAL = "encodingjobs"
SHORT_NAMES = ["ej"]
LIVE_KIND = "LiveEvent"
LIVE_PLURAL = "liveevents"
LIVE_SHORT_NAMES = ["le"]

#: the operator's finalizer (kopf's ``settings.persistence.finalizer``): on an EncodingJob,
#: its deletion waits until the operator told the API the job was cancelled
FINALIZER = f"{GROUP}/finalizer"

MANAGED_BY = "pod-v5-operator"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
LABEL_ENCODINGJOB = f"{GROUP}/encodingjob"
LABEL_VIDEO = f"{GROUP}/video-id"
ANNOTATION_JOB_ID = f"{GROUP}/job-id"
ANNOTATION_ENCODINGJOB = f"{GROUP}/encodingjob"
ANNOTATION_ENCODINGJOB_UID = f"{GROUP}/encodingjob-uid"
LABEL_LIVEEVENT = f"{GROUP}/liveevent"
LABEL_EVENT_ID = f"{GROUP}/event-id"
ANNOTATION_LIVEEVENT_UID = f"{GROUP}/liveevent-uid"
