/* payintent — the claim / attempt / lease / fencing / recovery protocol.
 *
 * One payment intent in status created; two servers racing on it (a confirm,
 * and either its retry under the same key, a new confirm under another key,
 * or a cancel), a recovery node, the card
 * network, and the store clock expiring leases at any moment. Servers and the
 * recovery node may crash between any two steps (up to MAX_CRASH times in
 * all); a crashed server never comes back, a crashed recoverer starts over.
 *
 * Each `atomic` block touching the store is one store transaction; its guard
 * is the precondition the store checks (key exists, expected_fence, lease
 * expired). docs/model.md maps every labelled step to the code.
 *
 * Verified properties (assertions, checked in every reachable state):
 *   P1 at most one authorized attempt per intent, and authorize is never
 *      called twice for one attempt reference;
 *   P2 terminal states (succeeded, canceled) never change;
 *   P3 no acknowledged charge lost: once a client was told "succeeded", the
 *      intent stays succeeded with an authorized attempt whose authorization
 *      the network still holds (never voided); and at quiescence every
 *      authorization the network holds is recorded or in review, and a
 *      succeeded intent's authorized attempt is still held by the network.
 *
 * Recovery's lookup and its adoption are two steps (the code looks up, then
 * commits), and a fenced-out holder's late outcome (record_late) reads the
 * intent, commits its late_outcome entry, then voids: each gap is a place
 * where the other may act.
 *
 * Deliberately broken variants (scripts/model expects each to FAIL):
 *   -DBROKEN_NO_FENCE     outcome and recovery writes skip the fence check
 *   -DBROKEN_REAUTHORIZE  recovery re-sends authorize instead of lookup
 *   -DBROKEN_NO_VOID      recovery fails an attempt the network does not
 *                         know without voiding it first
 *   -DBROKEN_LATE_VOID    a late holder decides to void from the snapshot it
 *                         read before its late_outcome commit, not from the
 *                         intent that commit lands on (issue 19)
 */

#ifndef MAX_CRASH
#define MAX_CRASH 2
#endif
#define MAXA 2            /* attempts 1..MAXA */

/* intent status */
mtype = { CREATED, PROCESSING, SUCCEEDED, FAILED, CANCELED, REVIEW };
/* attempt state */
mtype = { NONE, INIT, AUTHORIZED, DECLINED, UNKNOWN, NOT_SENT, VOIDED };
/* what the network holds under a reference */
mtype = { N_NONE, N_AUTH, N_DECL, N_VOIDED };
/* what an authorize call answered */
mtype = { R_NONE, R_APPROVED, R_DECLINED, R_UNKNOWN, R_NOT_SENT };
/* requests */
mtype = { CONFIRM, CANCEL };

/* ---- the store ---- */
mtype status = CREATED;
mtype att_state[MAXA + 1];
byte att_fence[MAXA + 1];
bool lease[MAXA + 1];           /* alive by the store clock */
byte nattempts = 0;
byte fence_ctr = 0;
bool key_used[4];               /* keys 1..3 */
byte key_att[4];                /* the attempt a key's claim started; 0 none */

/* ---- the card network ---- */
mtype net[MAXA + 1];
bool in_flight[MAXA + 1];       /* sent, not yet arrived */
mtype answer[MAXA + 1];   /* delivered to the sender */
byte sends[MAXA + 1];           /* authorize calls per reference */

/* ---- ghosts for the properties ---- */
byte crashes = 0;
byte finished = 0;              /* client requests that ended */
bool acked = false;             /* a client was told "succeeded" */
byte acked_att = 0;

#define NSERVERS 2
#define unresolved(s) ((s) == INIT || (s) == UNKNOWN)
#define terminal(s) ((s) == SUCCEEDED || (s) == CANCELED)
#define may_have_moved(r) ((r) == R_APPROVED || (r) == R_UNKNOWN)
#define quiescent (finished == NSERVERS && !in_flight[1] && !in_flight[2] && \
                   (nattempts == 0 || !unresolved(att_state[nattempts]) || status == REVIEW))

#ifdef BROKEN_NO_FENCE
#define holds(n, f) true
#else
#define holds(n, f) (att_fence[n] == (f))
#endif

/* P1 and P3, asserted after every step that changes the store or the
 * network (the only steps that can break them). */
inline check() {
  assert(!(att_state[1] == AUTHORIZED && att_state[2] == AUTHORIZED));
  assert(!acked || (status == SUCCEEDED && att_state[acked_att] == AUTHORIZED &&
                    net[acked_att] == N_AUTH))
}

/* P2: every status change goes through here. */
inline set_status(s) {
  assert(!terminal(status) || status == s);
  status = s;
  check()
}

/* A crash point: the process may die here while the budget lasts. */
#define CRASH(label) if :: crashes < MAX_CRASH -> crashes++; goto label :: skip fi

inline void_ref(n) {
  /* card_network.void: reverses an authorization, and marks the reference so
   * a request still in flight is refused when it arrives. Idempotent. */
  if
  :: net[n] == N_AUTH || net[n] == N_NONE -> net[n] = N_VOIDED
  :: else -> skip
  fi;
  check()
}

inline send(n) {
  sends[n]++;
  assert(sends[n] <= 1);                 /* P1: never authorize twice */
  in_flight[n] = true
}

/* Records `r` on attempt n, fenced (the runner's and recovery's adoption). */
inline record_outcome(n, r) {
  if
  :: r == R_APPROVED -> att_state[n] = AUTHORIZED; set_status(SUCCEEDED)
  :: r == R_DECLINED -> att_state[n] = DECLINED; set_status(FAILED)
  :: r == R_NOT_SENT -> att_state[n] = NOT_SENT; set_status(FAILED)
  :: r == R_UNKNOWN -> att_state[n] = UNKNOWN; set_status(PROCESSING)
  fi;
  lease[n] = false
}

proctype server(byte key; mtype kind) {
  byte n = 0, f = 0;
  mtype r = R_NONE;
  bool must_void = false;

claim:  /* payment_service::impl::run -> store.claim */
  atomic {
    if
    :: key_used[key] -> n = key_att[key]; goto replay
    :: else -> key_used[key] = true;
       if
       :: kind == CONFIRM && (status == CREATED || status == FAILED) && nattempts < MAXA &&
          (nattempts == 0 || !unresolved(att_state[nattempts])) ->
          nattempts++; n = nattempts;
          fence_ctr++; f = fence_ctr;
          att_state[n] = INIT; att_fence[n] = f; lease[n] = true;
          set_status(PROCESSING);
          key_att[key] = n
       :: kind == CANCEL && (status == CREATED || status == FAILED) ->
          set_status(CANCELED); goto done
       :: else -> goto done          /* definitive rejection, cached */
       fi
    fi
  }
  CRASH(crashed);

dispatch:  /* attempt_runner::dispatch -> card_network.async_authorize */
  if
  :: atomic { send(n) }
  :: r = R_NOT_SENT; goto record     /* provably never left */
  fi;
  CRASH(crashed);

wait_reply:  /* the authorize handler, or the network timeout */
  if
  :: answer[n] != R_NONE -> r = answer[n]
  :: r = R_UNKNOWN                   /* timed out / connection lost */
  fi;
  CRASH(crashed);

record:  /* attempt_runner::record -> plan_outcome -> store.commit (fenced) */
  atomic {
    if
    :: holds(n, f) && unresolved(att_state[n]) -> record_outcome(n, r)
    :: else -> goto late
    fi
  }
  goto await;

late:  /* attempt_runner::record_late -> record_late_outcome (late_outcome.cpp) */
  CRASH(crashed);
#ifdef BROKEN_LATE_VOID
  /* The old rule: judged on the snapshot read before the late write; the
   * late_outcome commit then lands on whatever the intent has become. */
  atomic { must_void = may_have_moved(r) && att_state[n] != AUTHORIZED }
  CRASH(crashed);
#else
  /* judge_late_outcome on the intent the late_outcome write commits on (the
   * same compare-and-set): void only money nobody adopted, and only once the
   * attempt is voided or failed, states it never leaves. Unresolved under a
   * newer fence: its holder's lookup decides. In review: a person does. */
  atomic {
    must_void = may_have_moved(r) && !unresolved(att_state[n]) && att_state[n] != AUTHORIZED
  }
#endif
  CRASH(crashed);
  if
  :: must_void -> atomic { void_ref(n) }
  :: else -> skip
  fi;

replay:
await:  /* attempt_runner::await / impl::answer: the client sees the intent as it is */
  atomic {
    if
    :: n > 0 && status == SUCCEEDED && att_state[n] == AUTHORIZED ->
       acked = true; acked_att = n; check()
    :: else -> skip
    fi
  }
done:
crashed:
  finished++
}

proctype recovery() {
  byte n, f, tries = 0;
  mtype seen = N_NONE;
restart:
end_idle:
  do
  :: atomic {  /* reconciler::reconcile -> plan_takeover (require_lease_expired) */
       nattempts > 0 && unresolved(att_state[nattempts]) && !lease[nattempts] &&
       status != REVIEW ->
       n = nattempts; fence_ctr++; f = fence_ctr; att_fence[n] = f; lease[n] = true
     }
     CRASH(restart);
settle:  /* reconciler::settle */
#ifdef BROKEN_REAUTHORIZE
     atomic { if :: !in_flight[n] && net[n] == N_NONE -> send(n) :: else -> skip fi }
#endif
     seen = net[n];                       /* lookup_blocking: what the network says now */
     CRASH(restart);
     if
     :: seen == N_AUTH ->                 /* found approved -> adopt, fenced */
        atomic { if :: holds(n, f) && unresolved(att_state[n]) -> record_outcome(n, R_APPROVED)
                    :: else -> skip fi }
     :: seen == N_DECL ->                 /* found declined -> adopt, fenced */
        atomic { if :: holds(n, f) && unresolved(att_state[n]) -> record_outcome(n, R_DECLINED)
                    :: else -> skip fi }
     :: seen == N_NONE || seen == N_VOIDED ->  /* not found, or found voided */
#ifndef BROKEN_NO_VOID
        atomic { void_ref(n) };
        CRASH(restart);
#endif
        atomic {                          /* plan_voided, fenced */
          if :: holds(n, f) -> att_state[n] = VOIDED; lease[n] = false; set_status(FAILED)
             :: else -> skip fi }
     :: tries < 1 ->                      /* lookup failed: plan_retry_later */
        atomic { tries++; if :: holds(n, f) -> lease[n] = true :: else -> skip fi }
     :: tries >= 1 ->                     /* retries exhausted: plan_review */
        atomic { if :: holds(n, f) -> set_status(REVIEW) :: else -> skip fi }
     fi
  :: quiescent -> break
  od
}

/* The card network: a request in flight arrives at some point; a voided
 * reference refuses it (the late arrival is reversed). */
active proctype network() {
  byte n;
end_net:
  do
  :: atomic { in_flight[1] -> n = 1 }
     goto arrive
  :: atomic { in_flight[2] -> n = 2 }
     goto arrive
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
       :: net[n] = N_AUTH; answer[n] = R_APPROVED
       :: net[n] = N_DECL; answer[n] = R_DECLINED
       :: net[n] = N_AUTH; answer[n] = R_UNKNOWN   /* approved, answer lost */
       fi
    fi
  }
  goto end_net;
over:
  skip
}

/* The store clock: any live lease may expire at any moment (a paused holder,
 * a slow network call). */
active proctype clock() {
end_clock:
  do
  :: atomic { nattempts > 0 && lease[nattempts] && status != REVIEW -> lease[nattempts] = false }
  :: quiescent -> break
  od
}

init {
  atomic {
    byte i;
    for (i : 0 .. MAXA) { att_state[i] = NONE; net[i] = N_NONE; answer[i] = R_NONE }
    run server(1, CONFIRM);          /* the first confirm */
    if                               /* and a second client request: */
    :: run server(1, CONFIRM)        /* a retry of it (same key) */
    :: run server(2, CONFIRM)        /* a new confirm (another key) */
    :: run server(3, CANCEL)         /* a cancel */
    fi;
    run recovery()
  }
  /* P3 at quiescence: money the network holds is recorded, or a person
   * decides. */
  (quiescent && finished == NSERVERS);
  assert(!(net[1] == N_AUTH) || att_state[1] == AUTHORIZED || status == REVIEW);
  assert(!(net[2] == N_AUTH) || att_state[2] == AUTHORIZED || status == REVIEW);
  /* succeeded <=> its authorization is still live at the network */
  assert(status != SUCCEEDED || (att_state[1] == AUTHORIZED && net[1] == N_AUTH) ||
                                (att_state[2] == AUTHORIZED && net[2] == N_AUTH))
}
