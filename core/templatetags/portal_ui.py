"""Small pieces of the portal's look, one way each:

``{% chip po %}``: the state chip of a document (its state's display name, coloured by family);
``{% chip "exception" label %}``: a chip for a state code and a label given by the template.
"""

from django import template

from core.chips import chip_html, state_label

register = template.Library()


@register.simple_tag
def chip(obj_or_state, label=None):
    if isinstance(obj_or_state, str):
        state, model_label = obj_or_state, ""
        text = label if label is not None else state
    else:
        state = getattr(obj_or_state, "state", "") or ""
        model_label = obj_or_state._meta.label_lower
        text = label if label is not None else state_label(obj_or_state)
    return chip_html(state, model_label, text)
