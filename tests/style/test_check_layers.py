#!/usr/bin/env python3
"""check_layers.py fails on what it forbids: each test plants one fault in a copy of runner/ and reads the verdict."""
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().with_name("check_layers.py")
RUNNER = Path(__file__).resolve().parents[2] / "runner"


class PlantedFaults(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="parex-layers-"))
        self.runner = self.dir / "runner"
        shutil.copytree(RUNNER, self.runner, ignore=shutil.ignore_patterns("CMakeLists.txt"))

    def tearDown(self):
        shutil.rmtree(self.dir)

    def verdict(self):
        done = subprocess.run([sys.executable, str(SCRIPT), str(self.runner)], capture_output=True, text=True)
        return done.returncode, done.stdout

    def plant(self, file, line):
        path = self.runner / file
        text = path.read_text()
        at = text.index("#include")  # before the file's first include, so that the line number is known
        path.write_text(text[:at] + line + "\n" + text[at:])
        return text.count("\n", 0, at) + 1

    def test_the_tree_as_it_is_passes(self):
        code, out = self.verdict()
        self.assertEqual(code, 0, out)

    def test_an_upward_include_fails(self):
        line = self.plant("base/files.cpp", '#include "grade/grade.hpp"')
        code, out = self.verdict()
        self.assertEqual(code, 1, out)
        self.assertIn(f"runner/base/files.cpp:{line}: includes \"grade/grade.hpp\": layer 'base' may not include "
                      "'grade', a higher layer", out)

    def test_a_layer_including_the_top_fails(self):
        self.plant("course/scaffold.cpp", '#include "cli.hpp"')
        code, out = self.verdict()
        self.assertEqual(code, 1, out)
        self.assertIn("layer 'course' may not include 'top'", out)

    def test_a_cycle_inside_a_layer_fails(self):
        # grade.cpp includes score.hpp; score's .cpp including grade.hpp closes grade -> score -> grade.
        self.plant("grade/score.cpp", '#include "grade/grade.hpp"')
        code, out = self.verdict()
        self.assertEqual(code, 1, out)
        self.assertIn("include cycle: grade/grade -> grade/score -> grade/grade", out)

    def test_an_include_written_from_its_own_folder_fails(self):
        self.plant("spawn/proc.cpp", '#include "../base/fd.hpp"')
        self.plant("spawn/child.cpp", '#include "sandbox.hpp"')
        code, out = self.verdict()
        self.assertEqual(code, 1, out)
        self.assertIn('include "../base/fd.hpp" as "base/fd.hpp"', out)
        self.assertIn('include "sandbox.hpp" as "spawn/sandbox.hpp"', out)

    def test_a_folder_that_is_no_layer_fails(self):
        (self.runner / "misc").mkdir()
        (self.runner / "misc/util.hpp").write_text("#pragma once\n")
        code, out = self.verdict()
        self.assertEqual(code, 1, out)
        self.assertIn("folder 'misc' is not a layer", out)


if __name__ == "__main__":
    unittest.main()
