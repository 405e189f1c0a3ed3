// Everything a case program may include: scaled clock, probes, Process and Pool.
#pragma once

#include <parex/clock.hpp>
#include <parex/pool.hpp>
#include <parex/probe.hpp>
#include <parex/process.hpp>
