// payintent-admin: the operator's command line (docs/operations.md). It has
// no card network; examples/06_recovery_admin.cpp is the same command line
// with one, for `recover`.
#include <payintent/admin.hpp>

int main(int argc, char** argv) {
  return payintent::run_admin(argc, argv);
}
