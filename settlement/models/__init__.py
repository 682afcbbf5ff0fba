"""Settlement models, one module per area: matching records and statements/payments."""

from .approvals import *  # noqa: F403
from .matching import *  # noqa: F403
from .runs import *  # noqa: F403
from .statements import *  # noqa: F403
