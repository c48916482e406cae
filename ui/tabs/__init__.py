"""The page's tabs, one module each: ``build(studio)`` creates the tab's components by name and wires
its own listeners. A tab never imports another tab: what crosses tabs is wired in :mod:`ui.page`.
"""
