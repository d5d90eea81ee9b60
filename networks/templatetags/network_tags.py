from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("networks/_shop_network.html", takes_context=True)
def shop_network(context, shop):
    """The network behind a suspect's shop: its ring and linked shops."""
    user = context["request"].user
    return {"network": selectors.shop_network(user, shop), "shop": shop}
