"""The operator's kopf handlers, registered on import (``kopf run -m podv5_operator``).

- ``encodingjobs``: EncodingJob create/resume → its batch/v1 Job, status Pending;
- ``jobs``: events of managed Jobs and pods → the EncodingJob's status (phase, conditions);
- ``chunks``: a long video's Indexed Job of chunks → chunk counts, then its join Job;
- ``notify``: status.phase Running/Failed and deletion → signed callbacks to the API;
- ``liveevents``: a timer per LiveEvent → its worker Deployment + Service, status, callbacks;
- ``podv5_operator.main``: kopf settings at startup, the shared config and client.
"""

from podv5_operator import main
from podv5_operator.handlers import chunks, encodingjobs, jobs, liveevents, notify

__all__ = ["chunks", "encodingjobs", "jobs", "liveevents", "main", "notify"]
