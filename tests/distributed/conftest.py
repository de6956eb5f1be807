"""A Dask LocalCluster for the distributed tests: two worker processes of one thread, started
once per module that asks for it and always closed; every wait is bounded."""
from __future__ import annotations

import pytest

TIMEOUT = 60  # seconds any start, connection or result may take


@pytest.fixture(scope="module")
def dask_client():
    """A Client of a LocalCluster(n_workers=2), skipping the module when Dask is absent."""
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, timeout=TIMEOUT) as cluster, \
            distributed.Client(cluster, timeout=TIMEOUT) as client:
        client.wait_for_workers(2, timeout=TIMEOUT)
        yield client


@pytest.fixture
def dask_engine(dask_client):
    """The Dask engine active for one test; the local engine again after it."""
    from numbax.distributed import initialize, shutdown
    engine = initialize(dask_client, timeout=TIMEOUT)
    yield engine
    shutdown()
