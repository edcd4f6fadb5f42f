"""The one vocabulary: every label and stage group the app shows, defined once.

Models, services, views, PDFs, Excel and templates import labels from here; no other copy may
remain. Labels are marked for translation where they are defined (``lazy_gettext`` style markers
via ``_l``), so the English UI follows from the same definition.

Owner: the "one truth" work (issue 13) moves the existing tables here; every other change adds its
new labels here too, in a section of its own.
"""
from __future__ import annotations
