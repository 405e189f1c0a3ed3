// Everything a case program may include: scaled clock, probes, Process and Pool, the pair's seed.
#pragma once

#include <parex/clock.hpp>
#include <parex/pool.hpp>
#include <parex/probe.hpp>
#include <parex/process.hpp>
#include <parex/seed.hpp>
