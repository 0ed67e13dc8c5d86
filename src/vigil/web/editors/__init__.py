"""The editors' area of the web site (``/editors/``): sign-in with a second factor,
forms over the cases registry, the import with its dry run, and the audit trail.

Every view takes the reader's level from :meth:`vigil.cases.policy.Actor.for_user` and
enforces it itself (records above it are 404, fields above it are never rendered nor
accepted); templates only display what the view let through. See docs/security.md.
"""
