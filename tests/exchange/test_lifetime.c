#include "harness.h"
int main(void) { CHECK(1); return check_summary("lifetime"); }
