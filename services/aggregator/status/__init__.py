"""The live status page of a directive for a unit: who reported, on time or late, who is
missing, the figures added up, with inline SVG charts, rendered server-side from the
synthesis and refreshed by the browser without JavaScript."""
