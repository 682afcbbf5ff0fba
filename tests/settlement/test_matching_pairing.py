"""Pairing invoice lines with PO lines: reference, item code, name; ambiguity resolved optimally."""

import itertools
import random
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st
from matching_builders import allocated, invoice, line, match, po_line, receipt

from settlement.matching import PairedBy, Verdict, normalise_name
from settlement.matching.assignment import min_cost_assignment


def pairs(result):
    return {x.invoice_line_id: x.po_line_id for x in result.lines}


def test_po_line_reference_wins_over_item_code():
    po = [po_line("P1", 10, "10.00", item_code="X"), po_line("P2", 10, "10.00", item_code="Y")]
    document = invoice("INV-1", [line("L1", 10, "10.00", ref="P2", item_code="X")])
    result = match(document, po, [receipt("R1", "P1", 1, 10), receipt("R2", "P2", 1, 10)])

    assert pairs(result) == {"L1": "P2"}
    assert result.lines[0].paired_by is PairedBy.PO_LINE_REFERENCE


def test_item_code_wins_over_name():
    po = [po_line("P1", 10, "10.00", item_code="X", name="Bolt"), po_line("P2", 10, "10.00", name="Bolt M8")]
    document = invoice("INV-1", [line("L1", 10, "10.00", item_code="x", name="Bolt M8")])
    result = match(document, po, [receipt("R1", "P1", 1, 10)])

    assert pairs(result) == {"L1": "P1"}
    assert result.lines[0].paired_by is PairedBy.ITEM_CODE


def test_unknown_item_code_falls_back_to_the_name():
    po = [po_line("P1", 10, "10.00", item_code="BUYER-1", name="Bolt M8")]
    document = invoice("INV-1", [line("L1", 10, "10.00", item_code="SUPPLIER-77", name="bolt m8")])
    result = match(document, po, [receipt("R1", "P1", 1, 10)])

    assert pairs(result) == {"L1": "P1"}
    assert result.lines[0].paired_by is PairedBy.NAME


def test_names_compare_without_case_spacing_punctuation_width_or_tax_category_prefix():
    assert normalise_name("*金属制品*螺栓（M8）") == normalise_name("螺栓 m8")
    assert normalise_name("ＢＯＬＴ　Ｍ８，ｚｉｎｃ") == normalise_name("Bolt-M8 zinc")
    assert normalise_name("Straße") == normalise_name("STRASSE")
    assert normalise_name("Bolt M8") != normalise_name("Bolt M10")


def test_line_is_paired_by_chinese_name_with_category_prefix_and_full_width_brackets():
    po = [po_line("P1", 10, "10.00", name="螺栓 M8")]
    document = invoice("INV-1", [line("L1", 10, "10.00", name="*金属制品*螺栓（Ｍ８）")])
    result = match(document, po, [receipt("R1", "P1", 1, 10)])

    assert result.verdict is Verdict.MATCHED


def test_ambiguous_lines_are_paired_by_least_quantity_variance_not_first_come():
    po = [po_line("P1", 10, "10.00", item_code="X"), po_line("P2", 5, "10.00", item_code="X")]
    receipts = [receipt("R1", "P1", 1, 10), receipt("R2", "P2", 1, 5)]
    # first come would give L1 (5) the first PO line (10) and leave L2 (10) short on the second (5)
    document = invoice(
        "INV-1", [line("L1", 5, "10.00", item_code="X"), line("L2", 10, "10.00", item_code="X")]
    )
    result = match(document, po, receipts)

    assert pairs(result) == {"L1": "P2", "L2": "P1"}
    assert result.verdict is Verdict.MATCHED


def test_ambiguous_lines_are_paired_by_least_price_variance():
    po = [po_line("P1", 10, "10.00", item_code="X"), po_line("P2", 10, "12.00", item_code="X")]
    receipts = [receipt("R1", "P1", 1, 10), receipt("R2", "P2", 1, 10)]
    document = invoice(
        "INV-1", [line("L1", 10, "12.00", item_code="X"), line("L2", 10, "10.00", item_code="X")]
    )
    result = match(document, po, receipts)

    assert pairs(result) == {"L1": "P2", "L2": "P1"}
    assert result.verdict is Verdict.MATCHED


def test_same_tax_rate_is_preferred_before_any_variance():
    po = [
        po_line("P1", 10, "10.00", item_code="X"),
        po_line("P2", 10, "10.00", item_code="X", tax_rate="0.09"),
    ]
    receipts = [receipt("R1", "P1", 1, 10), receipt("R2", "P2", 1, 10)]
    document = invoice("INV-1", [line("L1", 10, "10.00", item_code="X", tax_rate="0.09")])

    assert pairs(match(document, po, receipts)) == {"L1": "P2"}


def test_pairing_minimises_total_variance_over_all_lines():
    # greedy on L1 would take P1 (variance 0.50 x 10) and force L2 onto P2 (variance 3.00 x 10);
    # the optimum gives L1 P2 (1.00 x 10) and L2 P1 (1.00 x 10)
    po = [po_line("P1", 10, "10.00", item_code="X"), po_line("P2", 10, "11.50", item_code="X")]
    receipts = [receipt("R1", "P1", 1, 10), receipt("R2", "P2", 1, 10)]
    document = invoice(
        "INV-1", [line("L1", 10, "10.50", item_code="X"), line("L2", 10, "9.00", item_code="X")]
    )

    assert pairs(match(document, po, receipts)) == {"L1": "P2", "L2": "P1"}


def test_equal_candidates_are_paired_in_id_order():
    po = [po_line("P-2", 10, "10.00", item_code="X"), po_line("P-10", 10, "10.00", item_code="X")]
    receipts = [receipt("R1", "P-2", 1, 10), receipt("R2", "P-10", 1, 10)]
    document = invoice(
        "INV-1", [line("L-10", 10, "10.00", item_code="X"), line("L-2", 10, "10.00", item_code="X")]
    )

    assert pairs(match(document, po, receipts)) == {"L-2": "P-2", "L-10": "P-10"}


def test_invoice_that_splits_one_po_line_into_two_lines_pairs_both_with_it():
    po = [po_line("P1", 10, "10.00", item_code="X")]
    document = invoice(
        "INV-1", [line("L1", 4, "10.00", item_code="X"), line("L2", 6, "10.00", item_code="X")]
    )
    result = match(document, po, [receipt("R1", "P1", 1, 10)])

    assert pairs(result) == {"L1": "P1", "L2": "P1"}
    assert allocated(result) == [("L1", "R1", D(4)), ("L2", "R1", D(6))]
    assert result.verdict is Verdict.MATCHED


def test_pairing_and_allocation_do_not_depend_on_the_order_of_the_inputs():
    po = [
        po_line(f"P{i}", 10 + i, "10.00" if i % 2 else "10.20", item_code="X" if i < 4 else "Y")
        for i in range(6)
    ]
    receipts = [receipt(f"R{i}-{k}", f"P{i}", 1 + k, 4 + k) for i in range(6) for k in range(3)]
    lines = [line(f"L{i}", 8 + i, "10.10", item_code="X" if i % 3 else "Y") for i in range(7)]
    expected = match(invoice("INV-1", lines), po, receipts)

    shuffler = random.Random(20240301)
    for _ in range(20):
        shuffled = [list(x) for x in (po, receipts, lines)]
        for items in shuffled:
            shuffler.shuffle(items)
        assert match(invoice("INV-1", shuffled[2]), shuffled[0], shuffled[1]) == expected


def test_a_line_for_exactly_what_is_open_keeps_that_po_line_although_its_price_drifted():
    # L1 bills all 294 of P1 at a drifted price; L2 bills 288 at the PO price, which fits in P1 too
    # (a partial invoice costs no variance), but P1's exact open quantity is the stronger evidence
    po = [po_line("P1", 294, "10.00", item_code="X"), po_line("P2", 300, "10.00", item_code="X")]
    receipts = [receipt("R1", "P1", 1, 294), receipt("R2", "P2", 1, 300)]
    document = invoice(
        "INV-1", [line("L1", 294, "10.50", item_code="X"), line("L2", 288, "10.00", item_code="X")]
    )

    assert pairs(match(document, po, receipts)) == {"L1": "P1", "L2": "P2"}


def test_a_line_billing_what_was_ordered_pairs_with_the_short_delivered_po_line_that_ordered_it():
    # both PO lines were delivered short; each line bills its order in full: the sums of the
    # shortfalls are equal either way, the ordered quantities tell which is which
    po = [po_line("P1", 150, "10.00", item_code="X"), po_line("P2", 400, "10.00", item_code="X")]
    receipts = [receipt("R1", "P1", 1, 6), receipt("R2", "P2", 1, 46)]
    document = invoice(
        "INV-1", [line("L1", 400, "10.00", item_code="X"), line("L2", 150, "10.00", item_code="X")]
    )
    result = match(document, po, receipts)

    assert pairs(result) == {"L1": "P2", "L2": "P1"}
    assert allocated(result) == [("L1", "R2", D(46)), ("L2", "R1", D(6))]


def test_the_two_lines_of_a_split_share_the_po_line_they_add_up_to():
    # P1 (412) is billed in two lines, P2 (238) in two lines; the second line of each pair joins
    # the PO line whose remainder it equals, not the first candidate in id order
    po = [po_line("P1", 412, "5.00", item_code="X"), po_line("P2", 238, "5.00", item_code="X")]
    receipts = [receipt("R1", "P1", 1, 412), receipt("R2", "P2", 1, 238)]
    document = invoice(
        "INV-1",
        [
            line("L1", 194, "5.00", item_code="X"),
            line("L2", 164, "5.00", item_code="X"),
            line("L3", 74, "5.00", item_code="X"),
            line("L4", 218, "5.00", item_code="X"),
        ],
    )
    result = match(document, po, receipts)

    assert pairs(result) == {"L1": "P1", "L2": "P2", "L3": "P2", "L4": "P1"}
    assert result.verdict is Verdict.MATCHED


def test_a_line_that_shares_a_po_line_takes_only_what_the_line_paired_with_it_leaves():
    # L1 repeats L2 (which names P1); although L1 comes first in id order, L2 takes P1's receipt
    po = [po_line("P1", 10, "10.00", item_code="X")]
    document = invoice("INV-1", [line("L1", 10, "10.00", item_code="X"), line("L2", 10, "10.00", ref="P1")])
    result = match(document, po, [receipt("R1", "P1", 1, 10)])

    assert allocated(result) == [("L2", "R1", D(10))]
    assert result.line("L1").verdict is Verdict.EXCEPTION
    assert result.line("L2").verdict is Verdict.MATCHED


def test_identical_lines_against_identical_po_lines_pair_in_id_order_whatever_the_input_order():
    po = [po_line(f"P{i}", 10, "10.00", item_code="X") for i in (3, 1, 2)]
    receipts = [receipt(f"R{i}", f"P{i}", 1, 10) for i in (2, 3, 1)]
    lines = [line(f"L{i}", 10, "10.00", item_code="X") for i in (2, 3, 1)]

    assert pairs(match(invoice("INV-1", lines), po, receipts)) == {"L1": "P1", "L2": "P2", "L3": "P3"}


def test_a_large_group_of_one_item_is_paired_exactly_and_fast():
    # 2,000 lines of one item code, every one equal to exactly one PO line, in shuffled order
    shuffler = random.Random(5)
    po = [po_line(f"P{i}", 1 + i % 97, f"{10 + i // 97}.00", item_code="X") for i in range(2000)]
    receipts = [receipt(f"R{i}", f"P{i}", 1, 1 + i % 97) for i in range(2000)]
    lines = [line(f"L{i}", 1 + i % 97, f"{10 + i // 97}.00", item_code="X") for i in range(2000)]
    shuffler.shuffle(lines)
    result = match(invoice("INV-1", lines), po, receipts)

    assert result.verdict is Verdict.MATCHED
    assert all(x.po_line_id == "P" + x.invoice_line_id[1:] for x in result.lines)


# ------------------------------------------------------------------------------------ the assignment


def brute_force_minimum(cost):
    rows, columns = len(cost), len(cost[0])
    if rows <= columns:
        return min(
            sum(cost[r][c] for r, c in enumerate(p)) for p in itertools.permutations(range(columns), rows)
        )
    return min(sum(cost[r][c] for c, r in enumerate(p)) for p in itertools.permutations(range(rows), columns))


@given(
    st.integers(1, 5).flatmap(
        lambda rows: st.integers(1, 5).flatmap(
            lambda columns: st.lists(
                st.lists(st.integers(0, 1000), min_size=columns, max_size=columns),
                min_size=rows,
                max_size=rows,
            )
        )
    )
)
def test_assignment_finds_the_same_minimum_as_trying_every_permutation(cost):
    assignment = min_cost_assignment(cost)
    used = [c for c in assignment if c is not None]

    assert len(used) == len(set(used)) == min(len(cost), len(cost[0]))
    assert sum(cost[r][c] for r, c in enumerate(assignment) if c is not None) == brute_force_minimum(cost)
