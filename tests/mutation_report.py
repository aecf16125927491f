"""The score of `make mutation`, from the statistics mutmut exports."""

import json
import pathlib

stats = json.loads(pathlib.Path("mutants/mutmut-cicd-stats.json").read_text())
tested = stats["killed"] + stats["survived"] + stats["timeout"] + stats["suspicious"]
killed = tested - stats["survived"]
print(f"mutation score: {killed / tested:.1%} ({killed} of {tested} mutants killed; "
      f"{stats['survived']} survived, {stats['no_tests']} not reached by the unit tests)")
