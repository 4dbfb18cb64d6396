"""Pure builders of the Kubernetes objects the operator makes (plain wire dicts in and
out, nothing talks to a cluster): ``encode`` (EncodingJob → Job), ``live`` (LiveEvent →
Deployment + Service) and ``pod`` (what both share)."""
