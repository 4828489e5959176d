"""The entry point: the ``tingke`` command (cli), the supervisor that runs every plane in one go (runner,
supervisor) and the demo community (demo). The only code allowed to import the planes (api, streaming,
workers): the rest of ``tingke/`` is the kernel every plane imports, and must import none of them
(tests/cli/test_layers.py checks both)."""
