"""numbax.distributed: pmap's devices, the staging of programs at collectives, and the
engines that run them (local threads; a Dask cluster once initialized). Importing it never
imports Dask.

>>> import numbax.distributed as nd
>>> nd.device_count() >= 1
True
"""
from .dask_engine import DaskEngine, initialize, shutdown
from .data_parallel import data_parallel
from .devices import active_engine, device_count, devices, local_device_count, set_engine
from .engine import Device, Engine
from .pmap import pmap
from .resident import Resident, fetch, replicate, shard
from .staging import StagedProgram, stage_program

__all__ = ["DaskEngine", "Device", "Engine", "Resident", "StagedProgram", "active_engine",
           "data_parallel", "device_count", "devices", "fetch", "initialize",
           "local_device_count", "pmap", "replicate", "set_engine", "shard", "shutdown",
           "stage_program"]
