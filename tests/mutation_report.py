"""The score of `make mutation`, from the statistics mutmut exports."""

import json
import pathlib
import sys

stats = json.loads(pathlib.Path("mutants/mutmut-cicd-stats.json").read_text())
tested = stats["killed"] + stats["survived"] + stats["timeout"] + stats["suspicious"]
killed = tested - stats["survived"]
if not tested:
    # `make mutation` hides mutmut's own output; a run that could not start tests nothing.
    sys.exit("mutmut tested no mutant: its run failed. Run `.venv/bin/mutmut run` to see why.")
print(f"mutation score: {killed / tested:.1%} ({killed} of {tested} mutants killed; "
      f"{stats['survived']} survived, {stats['no_tests']} not reached by the unit tests)")
