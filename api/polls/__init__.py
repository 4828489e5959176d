"""Live polls and questionnaires during lessons and trainings (seed 003 part 9: UMU on phones).

Who may do what (the rules live in api/access.py):

- A poll on a lesson is seen and answered by whoever may view the lesson; it is run (created, opened,
  closed) by the lesson's teacher, its school's admins, researchers assigned to its school, and admins.
- A poll on a 同课异构 group is seen by whoever may view one of the group's lessons; it is run by the
  group's creator, the hosts of any of its lessons, and admins.
- A training poll (no lesson, no group) is run by researchers, school admins and admins. Its audience is a
  list of schools fixed at creation (by default every school the host works with: their community, and a
  researcher's assigned schools); staff of those schools and researchers assigned to one of them may see
  and answer it. Nobody else can, even with the link: the short code only saves typing.

Answers carry real names (results list who wrote each short text); one answer per person and question,
replaced when given again, accepted only while the poll is open. Results are kept with the lesson
(``GET /api/lessons/{id}/polls``). Live updates: ``GET /api/polls/{id}/events`` (server-sent events, see
api/polls/live.py), which works across API processes through the database alone.
"""
