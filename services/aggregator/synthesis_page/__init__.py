"""The staff console's synthesis page (/directives/{id}/synthesis): the báo cáo tổng hợp
as it stands inside the console's layout, the sections the staff write themselves, the
leader's approval and what the parent then decided. ``view.py`` works out what the page
shows; ``templates/`` lays it out; ``entrypoints/synthesis_page.py`` has the routes."""
