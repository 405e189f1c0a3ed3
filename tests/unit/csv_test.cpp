// grades.csv's cells: RFC 4180 quoting, OWASP's CSV-injection rule on text, numbers left alone.
#include <string>

#include <gtest/gtest.h>

#include "report/csv.hpp"

using namespace parex;

TEST(CsvText, PlainTextStaysAsItIs) {
  EXPECT_EQ(csv_text("alice"), "alice");
  EXPECT_EQ(csv_text("square_cube"), "square_cube");
  EXPECT_EQ(csv_text("build_error"), "build_error");
  EXPECT_EQ(csv_text(""), "");
  EXPECT_EQ(csv_text("it's 1+1=2 @ noon - ok"), "it's 1+1=2 @ noon - ok");  // only a leading one is a formula
}

TEST(CsvText, SeparatorsQuotesAndLineBreaksAreQuoted) {
  EXPECT_EQ(csv_text("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_text("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_text("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(csv_text("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(csv_text("\""), "\"\"\"\"");
}

TEST(CsvText, FormulaLeadsAreNeutralisedInsideQuotes) {
  EXPECT_EQ(csv_text("=HYPERLINK(\"http://e\",\"x\")"), "\"'=HYPERLINK(\"\"http://e\"\",\"\"x\"\")\"");
  EXPECT_EQ(csv_text("+1+1"), "\"'+1+1\"");
  EXPECT_EQ(csv_text("-2"), "\"'-2\"");
  EXPECT_EQ(csv_text("@SUM(A1)"), "\"'@SUM(A1)\"");
  EXPECT_EQ(csv_text("\t=1"), "\"'\t=1\"");
  EXPECT_EQ(csv_text("\r=1"), "\"'\r=1\"");
  EXPECT_EQ(csv_text("="), "\"'=\"");
}

TEST(CsvNumber, NumbersStayPlain) {
  EXPECT_EQ(csv_number(2), "2");
  EXPECT_EQ(csv_number(0), "0");
  EXPECT_EQ(csv_number(2.5), "2.5");
  EXPECT_EQ(csv_number(-1), "-1");  // parex's own number: a number in a spreadsheet, not a formula
}

TEST(CsvRow, CellsJoinedAndEndedByALineFeed) {
  EXPECT_EQ(csv_row({csv_text("a,b"), csv_text("join_semantics"), csv_number(1), csv_number(1), csv_text("pass")}),
            "\"a,b\",join_semantics,1,1,pass\n");
  EXPECT_EQ(csv_row({csv_text("-2"), "x", "", "", csv_text("error")}), "\"'-2\",x,,,error\n");
}
