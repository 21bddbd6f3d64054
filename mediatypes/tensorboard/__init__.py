"""TensorBoard without TensorFlow: event files, the summary mapping, export, import, the live tee.

Needs the optional extra ``mediatypes[tensorboard]`` (``tensorboard`` for its protos and plugin
metadata, ``google-crc32c`` for the record checksums). Modules:

* :mod:`.events` - TFRecord framing and masked CRC32C; ``EventWriter`` and ``read_events``.
* :mod:`.summaries` - one run row → one ``Event`` (the per-kind mapping table is there).
* :mod:`.export` - ``export_run(run, logdir)`` (``mediatypes export tensorboard``).
* :mod:`.importer` - ``import_logdir(logdir, run_dir)`` (``mediatypes import tensorboard``).
* :mod:`.follow` - the process behind ``init(transport="tensorboard:LOGDIR")``.
"""
