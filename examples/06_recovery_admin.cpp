// 05 — a recovery binary: payintent-admin's command line with a card network.
//
// payintent-admin has no card network, so it cannot run `recover`: recovery
// asks the network what became of each attempt whose holder died. A
// deployment builds this program with the card_network its servers use
// (docs/operations.md, "Recovery"); this one uses the fake network, which
// learns what other processes sent from their shared journal file:
//
//   recovery_admin --network-journal /tmp/network.journal
//                  --store sqlite:/tmp/pay.db recover --limit 100
//
// Every other command works as in payintent-admin.
#include <payintent/admin.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <string>
#include <string_view>
#include <vector>

int main(int argc, char** argv) {
  // This program's own flag; the rest is payintent-admin's command line.
  std::string journal;
  std::vector<const char*> args{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--network-journal" && i + 1 < argc) {
      journal = argv[++i];
    } else {
      args.push_back(argv[i]);
    }
  }
  payintent::testing::fake_card_network network({.journal_path = journal});
  return payintent::run_admin(static_cast<int>(args.size()), args.data(),
                              {.network = &network, .program = "recovery_admin"});
}
