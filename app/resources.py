"""What the API's requests and the jobs share: the loaded network and its scenario networks.

``corridor serve`` and ``corridor worker`` build them alike. Importing this module registers
every job kind (the studies'), so a worker that builds its resources here knows every kind the
API may send it.
"""

from __future__ import annotations

import gc
from datetime import UTC, datetime

from app.jobs.registry import JobContext
from app.reload import load_configured
from app.services import studies  # noqa: F401  (registers the study job kind)
from app.services.scenarios import ScenarioNetworks
from app.settings import Settings
from graph import Network

#: Young objects the collector lets accumulate before a pass. A quote holds a few thousand at its
#: peak and frees nearly all of them by reference counting; at the default (700) the collector ran
#: about twice a quote and the older generations' passes followed, some 2 ms of CPU a quote
#: (http_load), where at this threshold it runs about once in a hundred quotes.
YOUNG_OBJECTS = 20_000


def shared_resources(config: Settings, network: Network | None = None) -> JobContext:
    """What requests and jobs share, built alike by the API and by ``corridor worker``.

    The network (``network``, or loaded from ``config.network_path``; priced with the configured
    exchange rate) and the cache of scenario networks over it.
    """
    loaded = network if network is not None else load_configured(config)
    if network is not None and config.usd_cny_rate is not None:
        loaded = loaded.with_reference_rate("USD", config.usd_cny_rate, datetime.now(UTC).date())
    # the network lives as long as the process: keep the collector's full passes off it,
    # they would land in the middle of quotes (bench/quotes.py)
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])
    return JobContext({"network": loaded, "scenario_networks": ScenarioNetworks(loaded)})
