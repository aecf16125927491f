"""The mlp_core reference (book/reference.md): what it shows, and its links with the equations.

The reference documents the functions and classes of each module; module
constants are left to the source it links to. ``IMPLEMENTS`` is the one place
that says which function implements which labelled equation. From it the
build adds

- to each such equation, a line "Implemented by <function>" linking to the
  function's entry in the mlp_core reference (``book/reference.md``). The equation
  and the line make one block (``mlp-equation``), and the line is drawn under the
  equation's number (``site/static/mlp-book.css``): an equation often stands inside
  a sentence, and the links must not split it;
- to that entry, a line "Implements equations (n), (m) of <page>" linking
  back to each equation.

The pages and the package stay as they are; a test (tests/test_reference.py)
checks both directions in the built HTML.
"""

import textwrap

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

#: Each implementing function or class, with the page and the labels of the
#: equations it implements.
IMPLEMENTS = {
    "mlp_core.activations.relu": ("book/01_composition", ["eq-composition-relu"]),
    "mlp_core.activations.relu_grad": ("book/01_composition", ["eq-composition-relu"]),
    "mlp_core.activations.sigmoid": ("book/01_composition", ["eq-composition-sigmoid"]),
    "mlp_core.activations.sigmoid_grad": ("book/01_composition", ["eq-composition-sigmoid"]),
    "mlp_core.activations.softmax": ("book/01_composition", ["eq-composition-softmax"]),
    "mlp_core.losses.cross_entropy": ("book/01_composition", ["eq-composition-loss"]),
    "mlp_core.network.NeuralNetworkFromScratch": ("book/02_forward_pass", ["eq-forward-he"]),
    "mlp_core.network.NeuralNetworkFromScratch._forward": (
        "book/02_forward_pass",
        ["eq-forward-input", "eq-forward-affine", "eq-forward-hidden", "eq-forward-output"]),
    "mlp_core.network.NeuralNetworkFromScratch._backward": (
        "book/03_backpropagation",
        ["eq-backprop-delta-output", "eq-backprop-dW", "eq-backprop-db",
         "eq-backprop-delta-hidden"]),
    "mlp_core.network.NeuralNetworkFromScratch._update": ("book/03_gradient_check",
                                                         ["eq-sgd-update"]),
    "mlp_core.gradcheck.gradient_check": ("book/03_gradient_check",
                                          ["eq-backprop-central-difference"]),
}


def implementers(label):
    """The names of the objects implementing the equation ``label``, in table order."""
    return [name for name, (_, labels) in IMPLEMENTS.items() if label in labels]


def short_name(name):
    """``forward`` for a method, ``relu`` for a function: the name the code uses."""
    return name.rsplit(".", 1)[-1]


class LinkEquationsToCode(SphinxTransform):
    """Each implemented equation and a line linking to its code's entries, as one block."""

    default_priority = 900

    def apply(self):
        for block in list(self.document.findall(nodes.math_block)):
            names = implementers(block.get("label"))
            if not names:
                continue
            line = nodes.inline(classes=["equation-code"])
            line += nodes.Text("Implemented by ")
            for index, name in enumerate(names):
                if index:
                    line += nodes.Text(" and ")
                reference = addnodes.pending_xref(
                    "", refdomain="py", reftype="obj", reftarget=name, refexplicit=True,
                    refwarn=True, refdoc=self.env.docname)
                reference += nodes.literal(short_name(name), short_name(name),
                                           classes=["xref", "py", "py-obj"])
                line += reference
            # Element.replace, not replace_self: the equation keeps its ids (its anchor).
            equation = nodes.container(classes=["mlp-equation"])
            block.parent.replace(block, equation)
            equation += [block, line]


def link_code_to_equations(app, what, name, obj, options, lines):
    """Append "Implements equations ..." to the docstring of an implementing object."""
    if name not in IMPLEMENTS:
        return
    page, labels = IMPLEMENTS[name]
    equations = ", ".join(f":eq:`{label}`" for label in labels)
    noun = "equation" if len(labels) == 1 else "equations"
    lines.extend(["", ".. rubric:: Implements", "",
                  f"{noun.capitalize()} {equations} of :doc:`/{page}`.", ""])


def only_functions_and_classes(app, what, name, obj, skip, options):
    """Leave module constants (data) out of the reference; keep everything else as is."""
    if what == "module" and not callable(obj):
        return True
    return None


# -- two fixes for sphinx-codeautolink 0.20 in this book ---------------------------------------


def _clean_python(source):
    """Parse a ``python`` block dedented: the pages include methods from the source
    (literalinclude with ``:pyobject:``), which are indented and would not parse."""
    return source, textwrap.dedent(source)


def _depart_section(self, node):
    """sphinx-codeautolink pops a section title for every section it leaves, but
    sphinx-exercise's exercise bodies are sections without a title, so the stack
    runs empty (IndexError) on every page with an exercise: pop only what was pushed."""
    if node.children and isinstance(node.children[0], nodes.title):
        self.title_stack.pop()


def setup(app):
    from sphinx_codeautolink.extension import block

    block.CodeBlockAnalyser.depart_section = _depart_section
    # Set here, not in codeautolink_custom_blocks: a function in the config cannot be
    # pickled with the environment, and Sphinx warns about it.
    block.BUILTIN_BLOCKS["python"] = _clean_python
    app.connect("autodoc-skip-member", only_functions_and_classes)
    app.add_transform(LinkEquationsToCode)
    app.connect("autodoc-process-docstring", link_code_to_equations)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
