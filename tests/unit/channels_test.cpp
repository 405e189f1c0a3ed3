// What a run sends the runner, counted against max_output_bytes (runner/spawn/channels.hpp's SendBudget).
#include <gtest/gtest.h>

#include "spawn/channels.hpp"

using parex::spawn::SendBudget;

namespace {

constexpr std::size_t kOverhead = SendBudget::kProbeRecordOverhead;

// `size` bytes of output without a line break.
std::string text(std::size_t size) { return std::string(size, 'x'); }

}  // namespace

TEST(SendBudget, OutputIsKeptUpToTheLimitAndCountedPastIt) {
  SendBudget budget(100);
  EXPECT_EQ(budget.take_output(text(60).data(), 60), 60u);
  EXPECT_EQ(budget.take_output(text(40).data(), 40), 40u);  // exactly the limit: still within it
  EXPECT_EQ(budget.passed(), SendBudget::Passed::no);
  EXPECT_EQ(budget.take_output(text(10).data(), 10), 0u);
  EXPECT_EQ(budget.passed(), SendBudget::Passed::by_output);
  EXPECT_EQ(budget.output_bytes(), 110u);  // what arrived, kept or not
}

TEST(SendBudget, AReadThatCrossesTheLimitKeepsWhatFits) {
  SendBudget budget(100);
  EXPECT_EQ(budget.take_output(text(70).data(), 70), 70u);
  EXPECT_EQ(budget.take_output(text(50).data(), 50), 30u);
  EXPECT_EQ(budget.passed(), SendBudget::Passed::by_output);
}

TEST(SendBudget, ProbeRecordsCountTheirBytesAndTheirOverhead) {
  SendBudget budget(1000);
  EXPECT_TRUE(budget.take_probe(100));
  EXPECT_EQ(budget.probe_bytes(), 100 + kOverhead);
  EXPECT_EQ(budget.passed(), SendBudget::Passed::no);
}

TEST(SendBudget, ProbeRecordsAndOutputShareOneLimit) {
  SendBudget budget(1000);
  EXPECT_TRUE(budget.take_probe(500 - kOverhead));
  EXPECT_EQ(budget.take_output(text(600).data(), 600), 500u);  // the records took half of it
  EXPECT_EQ(budget.passed(), SendBudget::Passed::by_output);
  EXPECT_FALSE(budget.take_probe(1));
  EXPECT_EQ(budget.passed(), SendBudget::Passed::by_output);  // what passed it first
}

TEST(SendBudget, ARecordPastTheLimitIsNotKeptAndNamesProbesAsTheCause) {
  SendBudget budget(1000);
  EXPECT_EQ(budget.take_output(text(400).data(), 400), 400u);
  EXPECT_TRUE(budget.take_probe(300 - kOverhead));
  EXPECT_FALSE(budget.take_probe(400));  // a record is kept whole or not at all
  EXPECT_EQ(budget.passed(), SendBudget::Passed::by_probes);
  EXPECT_EQ(budget.take_output(text(10).data(), 10), 0u);  // nothing more is kept, of either
  EXPECT_FALSE(budget.take_probe(0));
  EXPECT_EQ(budget.probe_bytes(), 300 + 400 + 2 * kOverhead);
}

TEST(SendBudget, TinyRecordsAreBoundedByTheirOverhead) {
  // The red team's flood, scaled: empty records still use the result's room, and stop at the limit.
  SendBudget budget(8u << 20);
  std::size_t kept = 0;
  while (budget.take_probe(0)) ++kept;
  EXPECT_EQ(kept, (8u << 20) / kOverhead);
  EXPECT_EQ(budget.passed(), SendBudget::Passed::by_probes);
}

TEST(SendBudget, EachLineCountsItsOverheadAtItsBreak) {
  SendBudget budget(1000);
  const std::string lines = "ab\ncd\n";  // 6 bytes, 2 lines
  EXPECT_EQ(budget.take_output(lines.data(), lines.size()), lines.size());
  EXPECT_EQ(budget.output_bytes(), 6u);
  EXPECT_EQ(budget.line_charge(), 2 * SendBudget::kLineOverhead);
  EXPECT_EQ(budget.passed(), SendBudget::Passed::no);
}

TEST(SendBudget, AFloodOfEmptyLinesIsCutWhereTheirChargePassesTheLimit) {
  // 8 MiB of empty lines were 8 million lines: a 600 MB result and 7.5 GiB of the runner's memory.
  SendBudget budget(10 * (1 + SendBudget::kLineOverhead));
  const std::string empty(100, '\n');
  EXPECT_EQ(budget.take_output(empty.data(), empty.size()), 10u);  // ten lines fit, not the eleventh
  EXPECT_EQ(budget.passed(), SendBudget::Passed::by_output);
  EXPECT_EQ(budget.output_bytes(), 100u);
}
