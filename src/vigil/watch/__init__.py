"""`vigil watch`: fetch each new map, recompute, evaluate alert rules, publish.

- :mod:`vigil.watch.alerts`: what an alert is, stored once (:func:`~vigil.watch.alerts.record`),
  superseded by a corrected figure, and who may read it (:func:`~vigil.watch.alerts.visible`).
- :mod:`vigil.watch.config`: the TOML file of rules and channels, with its defaults.
- :mod:`vigil.watch.territory_rules`, :mod:`vigil.watch.case_rules`: the rules.
- :mod:`vigil.watch.publish`: Atom is served by the site; webhook, e-mail, brief, caches.
- :mod:`vigil.watch.run`: one idempotent run (lock, fetch, ingest, rules, publish).
"""
