/* payintent — capture and refunds on the attempt protocol (issue 23).
 *
 * One payment intent whose authorization holds CAPTURED units. Checked in
 * two runs (scripts/model), each small enough to search exhaustively:
 * -DCAPTURES, the intent in requires_capture and two servers racing captures
 * under two keys; -DREFUNDS, the intent captured and two servers racing
 * refunds of REFUND units each under two keys (only one fits). In both, a recovery node settles
 * attempts whose lease expired; the card network; the store clock expiring
 * leases at any moment. Servers and the recoverer may crash between any two
 * steps (up to MAX_CRASH times in all). Each client owns one attempt slot:
 * 1-2 captures, 3-4 refunds (the engine numbers them in claim order; the
 * slot only names the attempt a client's claim wrote).
 *
 * Each `atomic` block touching the store is one store transaction; its guard
 * is the precondition the engine plans on and the store checks by
 * compare-and-set (the intent's version; the attempt's fence; the lease).
 *
 * Verified properties (assertions, in every reachable state):
 *   C1 at most one capture is carried out per intent (the network holds at
 *      most one), and no capture or refund reference is sent twice;
 *   R1 the refunds the network carried out never exceed what was captured,
 *      not even counting those in flight that it may still carry out;
 *   C2 an intent told succeeded has its capture carried out at the network.
 *
 * Deliberately broken variants (scripts/model expects each to FAIL):
 *   -DBROKEN_NO_RESERVE  a refund's claim counts only succeeded refunds, not
 *                        those in flight (refundable_amount without them)
 *   -DBROKEN_NO_VOID     recovery gives up a capture or refund the network
 *                        does not know without voiding its reference
 *   -DBROKEN_RESEND      recovery sends the call again instead of looking up
 */

#ifndef MAX_CRASH
#define MAX_CRASH 1
#endif
#if !defined(CAPTURES) && !defined(REFUNDS)
#define CAPTURES
#endif
#define NA 4
#define CAPTURED 4
#define REFUND 3
#define NCLIENTS 2

mtype = { REQ_CAPTURE, PROCESSING, SUCCEEDED, REVIEW };             /* intent */
mtype = { NONE, INIT, DONE, DECLINED, UNKNOWN, VOIDED, PARKED };    /* attempt */
mtype = { N_NONE, N_DONE, N_DECL, N_VOIDED };                       /* network */
mtype = { R_NONE, R_APPROVED, R_DECLINED, R_UNKNOWN, R_NOT_SENT };  /* answers */

mtype status = REQ_CAPTURE;
mtype st[NA + 1];
byte att_fence[NA + 1];
bool lease[NA + 1];

mtype net[NA + 1];
bool in_flight[NA + 1];
mtype answer[NA + 1];
byte sends[NA + 1];

byte crashes = 0;
byte finished = 0;
bool acked = false;

#define is_refund(n) ((n) >= 3)
#define unresolved(s) ((s) == INIT || (s) == UNKNOWN)
#define open_capture (unresolved(st[1]) || unresolved(st[2]))
#define quiescent (finished == NCLIENTS && !in_flight[1] && !in_flight[2] && !in_flight[3] && \
                   !in_flight[4] &&                                                         \
                   ((!unresolved(st[1]) && !unresolved(st[2])) || status == REVIEW) &&        \
                   !unresolved(st[3]) && !unresolved(st[4]))
#define CRASH(label) if :: crashes < MAX_CRASH -> crashes++; goto label :: skip fi

/* What a refund's claim sees as taken (planner.cpp, refundable_amount). */
#ifdef BROKEN_NO_RESERVE
#define reserves(s) ((s) == DONE)
#else
#define reserves(s) ((s) == INIT || (s) == UNKNOWN || (s) == DONE || (s) == PARKED)
#endif

/* Scratch of check(), zero between checks so it adds no states. */
byte chk_m, chk_refunded, chk_held;

inline check() {
  assert(!(net[1] == N_DONE && net[2] == N_DONE));                     /* C1 */
  for (chk_m : 3 .. NA) {
    if :: net[chk_m] == N_DONE -> chk_refunded = chk_refunded + REFUND :: else -> skip fi;
    /* in flight to a voided reference: refused when it arrives */
    if :: net[chk_m] == N_DONE || (in_flight[chk_m] && net[chk_m] != N_VOIDED) ->
          chk_held = chk_held + REFUND
       :: else -> skip fi
  }
  assert(chk_refunded <= CAPTURED);                                    /* R1 */
  assert(chk_held <= CAPTURED);
  chk_m = 0; chk_refunded = 0; chk_held = 0;
  assert(!acked || net[1] == N_DONE || net[2] == N_DONE)               /* C2 */
}

inline send(n) {
  sends[n]++;
  assert(sends[n] <= 1);          /* C1: never sent twice */
  in_flight[n] = true;
  check()
}

inline void_ref(n) {
  if :: net[n] == N_DONE || net[n] == N_NONE -> net[n] = N_VOIDED :: else -> skip fi;
  check()
}

/* plan_outcome for a capture (intent moves) or a refund (intent does not). */
inline record_outcome(n, r) {
  if
  :: r == R_APPROVED -> st[n] = DONE;
     if :: !is_refund(n) -> status = SUCCEEDED :: else -> skip fi
  :: r == R_DECLINED || r == R_NOT_SENT -> st[n] = DECLINED;
     if :: !is_refund(n) -> status = REQ_CAPTURE :: else -> skip fi
  :: r == R_UNKNOWN -> st[n] = UNKNOWN
  fi;
  lease[n] = false;
  check()
}

proctype client(byte n) {
  byte f = 0, m, taken;
  mtype r = R_NONE;
claim:  /* plan_capture / plan_refund, applied by compare-and-set with the key */
  atomic {
    if
    :: !is_refund(n) && status == REQ_CAPTURE && !open_capture ->
       att_fence[n] = 1; f = 1; st[n] = INIT; lease[n] = true;
       status = PROCESSING
    :: is_refund(n) && status == SUCCEEDED ->
       taken = 0;
       for (m : 3 .. NA) { if :: reserves(st[m]) -> taken = taken + REFUND :: else -> skip fi }
       if
       :: taken + REFUND <= CAPTURED ->
          att_fence[n] = 1; f = 1; st[n] = INIT; lease[n] = true
       :: else -> goto done       /* invalid_amount, stored with the key */
       fi
    :: else -> goto done          /* invalid_state, stored with the key */
    fi
  }
  CRASH(crashed);
dispatch:  /* attempt_runner::dispatch -> async_capture / async_refund */
  if
  :: atomic { send(n) }
  :: r = R_NOT_SENT; goto record
  fi;
  CRASH(crashed);
  if
  :: answer[n] != R_NONE -> r = answer[n]
  :: r = R_UNKNOWN
  fi;
  CRASH(crashed);
record:  /* fenced: a writer whose fence moved on leaves it to recovery's lookup */
  atomic {
    if
    :: att_fence[n] == f && unresolved(st[n]) -> record_outcome(n, r)
    :: else -> skip
    fi
  }
  atomic { if :: !is_refund(n) && status == SUCCEEDED && st[n] == DONE -> acked = true; check()
              :: else -> skip fi }
done:
crashed:
  finished++
}

proctype recovery() {
  byte n, f, tries = 0;
  mtype seen;
restart:
end_idle:
  do
  :: atomic {  /* reconciler::reconcile -> plan_takeover: any refund, else the open capture */
       if
       :: unresolved(st[1]) && !lease[1] && status != REVIEW -> n = 1
       :: unresolved(st[2]) && !lease[2] && status != REVIEW -> n = 2
       :: unresolved(st[3]) && !lease[3] -> n = 3
       :: unresolved(st[4]) && !lease[4] -> n = 4
       fi;
       att_fence[n]++; f = att_fence[n]; lease[n] = true  /* a new fence per takeover */
     }
     CRASH(restart);
#ifdef BROKEN_RESEND
     atomic { if :: !in_flight[n] && net[n] == N_NONE -> send(n) :: else -> skip fi }
#endif
     seen = net[n];               /* lookup_capture / lookup_refund */
     CRASH(restart);
     if
     :: seen == N_DONE ->
        atomic { if :: att_fence[n] == f && unresolved(st[n]) -> record_outcome(n, R_APPROVED)
                    :: else -> skip fi }
     :: seen == N_DECL ->
        atomic { if :: att_fence[n] == f && unresolved(st[n]) -> record_outcome(n, R_DECLINED)
                    :: else -> skip fi }
     :: seen == N_NONE || seen == N_VOIDED ->
#ifndef BROKEN_NO_VOID
        atomic { void_ref(n) };   /* after recovery.void_decided */
        CRASH(restart);
#endif
        atomic {                  /* plan_voided: the capture's hold is back; the refund failed */
          if :: att_fence[n] == f ->
                st[n] = VOIDED; lease[n] = false;
                if :: !is_refund(n) -> status = REQ_CAPTURE :: else -> skip fi;
                check()
             :: else -> skip fi }
     :: tries < 1 ->              /* lookup failed: plan_retry_later */
        atomic { tries++; if :: att_fence[n] == f -> lease[n] = true :: else -> skip fi }
     :: tries >= 1 ->             /* plan_review: a capture's intent, or the refund alone */
        atomic { if :: att_fence[n] == f && !is_refund(n) -> status = REVIEW
                    :: att_fence[n] == f && is_refund(n) -> st[n] = PARKED  /* still reserved */
                    :: else -> skip fi }
     fi
  :: quiescent -> break
  od
}

/* The network carries out what arrives, unless its reference was voided. */
active proctype network() {
  byte n;
end_net:
  do
  :: atomic { in_flight[1] -> n = 1 } goto arrive
  :: atomic { in_flight[2] -> n = 2 } goto arrive
  :: atomic { in_flight[3] -> n = 3 } goto arrive
  :: atomic { in_flight[4] -> n = 4 } goto arrive
  :: quiescent -> break
  od;
  goto over;
arrive:
  atomic {
    in_flight[n] = false;
    if
    :: net[n] == N_VOIDED -> answer[n] = R_DECLINED
    :: else ->
       if
       :: net[n] = N_DONE; answer[n] = R_APPROVED
       :: net[n] = N_DECL; answer[n] = R_DECLINED
       :: net[n] = N_DONE; answer[n] = R_UNKNOWN
       fi
    fi;
    check()
  }
  goto end_net;
over:
  skip
}

active proctype clock() {
end_clock:
  do
  :: atomic { lease[1] && status != REVIEW -> lease[1] = false }
  :: atomic { lease[2] && status != REVIEW -> lease[2] = false }
  :: atomic { lease[3] -> lease[3] = false }
  :: atomic { lease[4] -> lease[4] = false }
  :: quiescent -> break
  od
}

init {
  atomic {
    byte i;
    for (i : 0 .. NA) { st[i] = NONE; net[i] = N_NONE; answer[i] = R_NONE }
#ifdef CAPTURES
    run client(1); run client(2);
#else
    status = SUCCEEDED; st[1] = DONE; net[1] = N_DONE;  /* captured before the refunds */
    run client(3); run client(4);
#endif
    run recovery()
  }
  (quiescent);
  /* At quiescence: a carried-out capture is the intent's, a refund carried
   * out is recorded (or parked for a person). */
  assert(status != REQ_CAPTURE || (net[1] != N_DONE && net[2] != N_DONE));
  assert(net[3] != N_DONE || st[3] == DONE || st[3] == PARKED);
  assert(net[4] != N_DONE || st[4] == DONE || st[4] == PARKED);
}
