"""Genogram rendering for the F7 ``family_network`` form (domain.md §8).

The family network is stored as a graph (people, relationships, households, ecomap links) and is never stored
as a drawing; this package draws it on demand as an SVG genogram a social worker will recognise:

* people: square = male (``m``), circle = female (``f``), diamond = other, rounded square = sex not recorded;
  an X through the symbol = deceased; a green ring = in the safety network; age (years, or months under one)
  inside the symbol, name, date of birth and role underneath;
* generations: parents above children. Generations come from the ``parent_child_*`` relationships
  (``from_id`` is the parent, ``to_id`` the child), see :func:`generations`;
* partnerships: a horizontal line between partners (married solid, partners dashed, separated one slash,
  divorced two slashes); children hang from the middle of their parents' line, or from a short stub beside a
  single parent; step, adoptive and foster links are dashed, dotted and dash-dotted, with a small label;
* relationship quality: conflicted = red zig-zag, cut off = a break with two bars, close = a double line
  (for a parent and child the quality is drawn as a separate line between the two, as on emotional genograms);
* households: a dashed rounded boundary around the people sharing a ``household_id``, labelled with the address;
* ecomap links: listed in a side box (service, person and strength); a key at the bottom explains everything.

The layout is deterministic (everything is sorted by id, never by input order) and symbols never overlap.
Partial documents (missing optional fields) are drawn; a relationship or ecomap link naming an unknown person
raises :class:`ValueError` naming that id. Stdlib only; every user-supplied string goes through ElementTree,
so it is escaped, and characters XML cannot carry are dropped.

Modules, in the order data flows through them: ``model`` (parse and validate the document), ``graph``
(relationships indexed by person; generations), ``layout`` (rows and x positions), ``routes`` (where lines run),
then the drawing: ``svg`` (primitives), ``people``, ``relationships``, ``households``, ``legend`` (ecomap and
key) and ``document`` (the whole SVG).
"""

from engine.genogram.document import render_genogram
from engine.genogram.graph import generations

__all__ = ["generations", "render_genogram"]
