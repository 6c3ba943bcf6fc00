#include <gtest/gtest.h>

#include "host/support.h"
#include "lib/kassert.h"
#include "lib/result.h"

namespace {

lib::Result<int> half(int x) {
    if (x % 2) return lib::Error::InvalidArgument;
    return x / 2;
}

lib::Result<int> quarter(int x) {
    int h = TRY(half(x));
    return TRY(half(h));
}

TEST(ResultTest, TryPropagatesTheFirstError) {
    EXPECT_EQ(quarter(8).value(), 2);
    auto r = quarter(6);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), lib::Error::InvalidArgument);
    EXPECT_STREQ(lib::error_name(r.error()), "InvalidArgument");
}

TEST(ResultTest, KassertThrowsOnTheHost) {
    EXPECT_THROW(KASSERT(1 + 1 == 3), lib::AssertionFailure);
    EXPECT_NO_THROW(KASSERT(1 + 1 == 2));
}

}  // namespace
