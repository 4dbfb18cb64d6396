"""Pod V5 media operator: the EncodingJob/LiveEvent spec, kopf handlers and the worker programs.

This package must not import Django: the workers run inside pods with only their spec,
storage access and the callback secret.
"""
