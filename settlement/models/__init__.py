"""Settlement models, one module per area: matching records and statements/payments."""

from .matching import *  # noqa: F403
from .statements import *  # noqa: F403
