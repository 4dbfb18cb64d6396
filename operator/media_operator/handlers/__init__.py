"""The operator's kopf handlers, registered on import (``kopf run -m media_operator``).

- ``encodingjobs``: EncodingJob create/resume → its batch/v1 Job, status Pending;
- ``jobs``: events of managed Jobs and pods → the EncodingJob's status (phase, conditions);
- ``notify``: status.phase Running/Failed and deletion → signed callbacks to the API;
- ``liveevents``: a timer per LiveEvent → its worker Deployment + Service, status, callbacks;
- ``media_operator.operator``: kopf settings at startup, the shared config and client.
"""

from media_operator import operator
from media_operator.handlers import encodingjobs, jobs, liveevents, notify

__all__ = ["encodingjobs", "jobs", "liveevents", "notify", "operator"]
