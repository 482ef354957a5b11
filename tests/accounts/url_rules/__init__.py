"""How each URL of the project should answer, one module per app, merged by the permission matrix.

Each module (core, events, measures, surveys, feedback, recovery, governance, reports) defines:
- API_RULES: API route (as Django prints it) → ApiRule (who may call it);
- PUBLIC_RULES: route → (status for anonymous, status for anyone signed in), for GET;
- REAL_AND_GUESSED: path parameter name → (a value that exists in the walk's practice, a guessed one);
- seed(): makes the records that the real values name (called once, inside the test's transaction).
A page wrapped in accounts.access.require_permission needs no entry but its path parameters' values.
"""
