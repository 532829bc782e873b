"""The import command on small descriptions of our own (tools/xapi/import_description.py)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "..", "..", "tools", "xapi", "import_description.py")
SMALL = os.path.join(HERE, "fixtures", "small_description.yaml")


def run(description_text=None, path=SMALL):
    with tempfile.TemporaryDirectory() as out:
        if description_text is not None:
            path = os.path.join(out, "d.yaml")
            with open(path, "w") as f:
                f.write(description_text)
        r = subprocess.run([sys.executable, TOOL, path, os.path.join(out, "facts")], capture_output=True, text=True)
        facts = guarded = None
        if r.returncode == 0:
            with open(os.path.join(out, "facts", "operations.json")) as f:
                facts = json.load(f)
            with open(os.path.join(out, "facts", "guarded.json")) as f:
                guarded = json.load(f)
        return r, facts, guarded


class ImportSmallDescription(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.result, cls.facts, cls.guarded = run()
        cls.ops = {o["id"]: o for o in cls.facts["operations"]} if cls.facts else {}

    def test_every_operation_once_with_method_path_and_tag(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertEqual(sorted(self.ops), sorted(["ListThing", "CreateThing", "GetThing", "DeleteThing", "GetReport",
                                                   "ResetThing", "ExportThings"]))
        self.assertEqual(self.ops["GetThing"]["method"], "GET")
        self.assertEqual(self.ops["GetThing"]["path"], "/Things({Id})")
        self.assertEqual(self.ops["GetReport"]["tag"], "Reports")
        self.assertEqual(self.ops["ListThing"]["name"], "List Thing")

    def test_path_parameters_in_path_order_with_odata_types(self):
        params = self.ops["GetReport"]["params"]
        self.assertEqual([p["name"] for p in params], ["name", "at", "key", "day", "big", "flag", "kind"])
        self.assertEqual([p["type"] for p in params], ["Edm.String", "Edm.DateTimeOffset", "Edm.Guid", "Edm.Date",
                                                       "Edm.Int64", "Edm.Boolean", "enum"])
        self.assertEqual(params[-1]["enum"], ["Red", "Blue"])  # through a $ref to an enum schema
        # A path item's shared parameter is the operation's too.
        self.assertEqual(self.ops["DeleteThing"]["params"], [{"name": "Id", "type": "Edm.Int32"}])

    def test_query_options_if_match_and_kinds(self):
        self.assertEqual(self.ops["ListThing"]["query"], ["top", "skip", "select"])  # $refs to parameters resolved
        self.assertTrue(self.ops["DeleteThing"]["ifMatch"])
        self.assertFalse(self.ops["GetThing"]["ifMatch"])
        self.assertEqual(self.ops["GetReport"]["kind"], "function")
        self.assertEqual(self.ops["ResetThing"]["kind"], "action")

    def test_response_shapes(self):
        shapes = {i: o["response"] for i, o in self.ops.items()}
        self.assertEqual(shapes, {"ListThing": "collection", "CreateThing": "entity", "GetThing": "entity",
                                  "DeleteThing": "none", "GetReport": "collection", "ResetThing": "none",
                                  "ExportThings": "file"})

    def test_bodies_keep_refs_and_components_hold_only_what_they_use(self):
        create = self.ops["CreateThing"]["body"]
        self.assertTrue(create["required"])  # through a $ref to a request body
        self.assertEqual(create["schema"], {"$ref": "#/components/schemas/Small.Thing"})
        schemas = self.facts["components"]["schemas"]
        self.assertEqual(sorted(schemas), ["Small.Kind", "Small.Part", "Small.Thing"])  # Unused and Base left out
        thing = schemas["Small.Thing"]
        self.assertNotIn("title", thing)
        self.assertNotIn("description", thing)
        self.assertNotIn("example", thing["properties"]["Name"])
        self.assertEqual(thing["properties"]["Kind"], {"nullable": True, "allOf": [{"$ref": "#/components/schemas/Small.Kind"}]})
        self.assertEqual(self.ops["ResetThing"]["body"]["schema"]["properties"]["reason"], {"type": "string", "maxLength": 10})

    def test_guarded_list_every_delete_and_destructive_actions(self):
        self.assertEqual(self.guarded, {"DeleteThing": "DELETE removes the entity", "ResetThing": "its name says reset"})
        self.assertTrue(self.ops["ResetThing"].get("guarded"))
        self.assertNotIn("guarded", self.ops["CreateThing"])


class ImportRefusals(unittest.TestCase):
    def refused(self, text, says):
        r, facts, _ = run(text)
        self.assertEqual(r.returncode, 1)
        self.assertIn(says, r.stderr)
        self.assertIsNone(facts)

    def test_unknown_parameter_type(self):
        self.refused("openapi: 3.0.4\npaths:\n  /A({x}):\n    get:\n      operationId: A\n      parameters:\n"
                     "        - {name: x, in: path, schema: {type: object}}\n      responses: {'204': {}}\n",
                     "A (GET /A({x})) parameter x: path parameter type object/None is not supported")

    def test_dangling_ref(self):
        self.refused("openapi: 3.0.4\npaths:\n  /A:\n    get:\n      operationId: A\n      parameters:\n"
                     "        - $ref: '#/components/parameters/nope'\n      responses: {'204': {}}\n",
                     "$ref #/components/parameters/nope names nothing")

    def test_placeholder_without_parameter(self):
        self.refused("openapi: 3.0.4\npaths:\n  /A({x}):\n    get:\n      operationId: A\n      responses: {'204': {}}\n",
                     "the path's placeholders ['x'] and its parameters [] differ")

    def test_duplicate_operation_id(self):
        self.refused("openapi: 3.0.4\npaths:\n  /A:\n    get: {operationId: A, responses: {'204': {}}}\n"
                     "  /B:\n    get: {operationId: A, responses: {'204': {}}}\n", "operationId A is not unique")


class CommittedFacts(unittest.TestCase):
    def test_committed_facts_are_the_imports_output_shape(self):
        with open(os.path.join(HERE, "..", "..", "schemas", "xapi", "operations.json")) as f:
            facts = json.load(f)
        with open(os.path.join(HERE, "..", "..", "schemas", "xapi", "guarded.json")) as f:
            guarded = json.load(f)
        ops = facts["operations"]
        self.assertEqual(len(ops), 601)
        self.assertEqual(len({o["tag"] for o in ops}), 132)
        self.assertEqual(sorted(o["id"] for o in ops if o.get("guarded")), sorted(guarded))
        self.assertTrue(all(o["id"] in guarded for o in ops if o["method"] == "DELETE"))


if __name__ == "__main__":
    unittest.main()
