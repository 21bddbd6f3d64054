"""The run layer: ``init``/``Run``/``log`` (run.py), step and commit rules (history.py), summary
(summary.py), ``define_metric`` (metrics.py), background writing (writer.py), reading back and
recovery (reader.py), automatic capture (capture.py). It knows no concrete media type: values
with ``to_manifest`` are media, foreign objects go through ``mediatypes._registry.adapt``.
"""
