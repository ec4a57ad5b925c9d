/* Unit tests of core/workflow: the transition table against SPEC §6 (every allowed move and every
 * refused (state, action) pair against an explicit expected table), names both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/workflow.h"

static wf_state go(wf_state s, wf_action a)
{
    wf_state to;
    if (wf_next(s, a, &to) != 0)
        fail_msg("%s --%s--> refused", wf_state_name(s), wf_action_name(a));
    return to;
}

static void refused(wf_state s, wf_action a)
{
    wf_state to = WF_STATE_COUNT;
    if (wf_next(s, a, &to) == 0)
        fail_msg("%s --%s--> %s allowed", wf_state_name(s), wf_action_name(a), wf_state_name(to));
}

static void test_main_path(void **state)
{
    (void)state;
    wf_state s = WF_DRAFT;
    s = go(s, WF_SUBMIT);
    assert_int_equal(s, WF_SUBMITTED);
    s = go(s, WF_RETURN);
    assert_int_equal(s, WF_RETURNED);
    assert_true(wf_enterprise_editable(s));
    s = go(s, WF_SUBMIT);
    s = go(s, WF_APPROVE);
    s = go(s, WF_ASSIGN);
    assert_int_equal(s, WF_EXPERT_REVIEW);
    s = go(s, WF_ASSIGN);
    assert_int_equal(s, WF_EXPERT_REVIEW);
    s = go(s, WF_PASS);
    s = go(s, WF_PUBLISH);
    assert_int_equal(s, WF_PUBLICITY);
    s = go(s, WF_CERTIFY);
    assert_int_equal(s, WF_CERTIFIED);
    assert_int_equal(go(s, WF_REVOKE), WF_REVOKED);
}

static void test_branches(void **state)
{
    (void)state;
    assert_int_equal(go(WF_SUBMITTED, WF_WITHDRAW), WF_DRAFT);
    assert_int_equal(go(WF_SUBMITTED, WF_REJECT), WF_DISTRICT_REJECTED);
    assert_int_equal(go(WF_EXPERT_REVIEW, WF_FAIL), WF_EXPERT_FAILED);
    assert_int_equal(go(WF_DISTRICT_APPROVED, WF_DIRECT), WF_EXPERT_PASSED);
    assert_int_equal(go(WF_PUBLICITY, WF_UPHOLD), WF_NOT_CERTIFIED);
}

static void test_refusals(void **state)
{
    (void)state;
    refused(WF_DRAFT, WF_APPROVE);
    refused(WF_DRAFT, WF_WITHDRAW);
    refused(WF_SUBMITTED, WF_SUBMIT);
    refused(WF_DISTRICT_APPROVED, WF_WITHDRAW); /* only before the district acts */
    refused(WF_RETURNED, WF_WITHDRAW);
    refused(WF_EXPERT_PASSED, WF_CERTIFY); /* 公示 first */
    refused(WF_EXPERT_REVIEW, WF_DIRECT);
    refused(WF_PUBLICITY, WF_REVOKE);
    refused(WF_REVOKED, WF_REVOKE);
    refused(WF_DISTRICT_REJECTED, WF_SUBMIT);
    assert_true(wf_is_final(WF_CERTIFIED));
    assert_true(wf_is_final(WF_REVOKED));
    assert_true(wf_is_final(WF_EXPERT_FAILED));
    assert_false(wf_is_final(WF_PUBLICITY));
}

/* SPEC §6 written out a second time, independently of workflow.c: EXPECTED[state][action] is
 * the state after the action, or NONE where the move is refused. Every one of the
 * WF_STATE_COUNT × WF_ACTION_COUNT pairs is checked against the table in core/. */
#define NONE (-1)
#define S WF_SUBMITTED
#define D WF_DRAFT
#define DA WF_DISTRICT_APPROVED
#define RT WF_RETURNED
#define DR WF_DISTRICT_REJECTED
#define ER WF_EXPERT_REVIEW
#define EP WF_EXPERT_PASSED
#define EF WF_EXPERT_FAILED
#define PU WF_PUBLICITY
#define CE WF_CERTIFIED
#define NC WF_NOT_CERTIFIED
#define RV WF_REVOKED
#define NO NONE /* refused */
// clang-format off
static const int EXPECTED[WF_STATE_COUNT][WF_ACTION_COUNT] = {
    /*                       submit withdraw approve return reject assign pass fail direct publish certify uphold revoke */
    [WF_DRAFT]             = {S,    NO,      NO,     NO,    NO,    NO,    NO,  NO,  NO,    NO,     NO,     NO,    NO},
    [WF_SUBMITTED]         = {NO,   D,       DA,     RT,    DR,    NO,    NO,  NO,  NO,    NO,     NO,     NO,    NO},
    [WF_RETURNED]          = {S,    NO,      NO,     NO,    NO,    NO,    NO,  NO,  NO,    NO,     NO,     NO,    NO},
    [WF_DISTRICT_APPROVED] = {NO,   NO,      NO,     NO,    NO,    ER,    NO,  NO,  EP,    NO,     NO,     NO,    NO},
    [WF_DISTRICT_REJECTED] = {NO,   NO,      NO,     NO,    NO,    NO,    NO,  NO,  NO,    NO,     NO,     NO,    NO},
    [WF_EXPERT_REVIEW]     = {NO,   NO,      NO,     NO,    NO,    ER,    EP,  EF,  NO,    NO,     NO,     NO,    NO},
    [WF_EXPERT_PASSED]     = {NO,   NO,      NO,     NO,    NO,    NO,    NO,  NO,  NO,    PU,     NO,     NO,    NO},
    [WF_EXPERT_FAILED]     = {NO,   NO,      NO,     NO,    NO,    NO,    NO,  NO,  NO,    NO,     NO,     NO,    NO},
    [WF_PUBLICITY]         = {NO,   NO,      NO,     NO,    NO,    NO,    NO,  NO,  NO,    NO,     CE,     NC,    NO},
    [WF_CERTIFIED]         = {NO,   NO,      NO,     NO,    NO,    NO,    NO,  NO,  NO,    NO,     NO,     NO,    RV},
    [WF_NOT_CERTIFIED]     = {NO,   NO,      NO,     NO,    NO,    NO,    NO,  NO,  NO,    NO,     NO,     NO,    NO},
    [WF_REVOKED]           = {NO,   NO,      NO,     NO,    NO,    NO,    NO,  NO,  NO,    NO,     NO,     NO,    NO},
};
// clang-format on
#undef S
#undef D
#undef DA
#undef RT
#undef DR
#undef ER
#undef EP
#undef EF
#undef PU
#undef CE
#undef NC
#undef RV
#undef NO

static void test_every_pair_against_the_expected_table(void **state)
{
    (void)state;
    /* The column order above must be the enum's. */
    assert_int_equal(WF_ACTION_COUNT, 13);
    assert_int_equal(WF_SUBMIT, 0);
    assert_int_equal(WF_ASSIGN, 5);
    assert_int_equal(WF_PUBLISH, 9);
    assert_int_equal(WF_REVOKE, 12);
    int allowed = 0, refused_n = 0;
    for (int s = 0; s < WF_STATE_COUNT; s++)
        for (int a = 0; a < WF_ACTION_COUNT; a++) {
            wf_state to = WF_STATE_COUNT;
            int rc = wf_next((wf_state)s, (wf_action)a, &to);
            if (EXPECTED[s][a] == NONE) {
                if (rc == 0)
                    fail_msg("%s --%s--> %s allowed, SPEC refuses it", wf_state_name((wf_state)s),
                             wf_action_name((wf_action)a), wf_state_name(to));
                refused_n++;
                continue;
            }
            if (rc != 0)
                fail_msg("%s --%s--> refused, SPEC allows it", wf_state_name((wf_state)s),
                         wf_action_name((wf_action)a));
            if ((int)to != EXPECTED[s][a])
                fail_msg("%s --%s--> %s, SPEC says %s", wf_state_name((wf_state)s),
                         wf_action_name((wf_action)a), wf_state_name(to),
                         wf_state_name((wf_state)EXPECTED[s][a]));
            allowed++;
        }
    /* 15 arrows in SPEC §6's diagram; the rest of the 12 × 13 pairs are refused. */
    assert_int_equal(allowed, 15);
    assert_int_equal(refused_n, WF_STATE_COUNT * WF_ACTION_COUNT - 15);
}

/* Out-of-range values are refused, never read past the table. */
static void test_out_of_range(void **state)
{
    (void)state;
    wf_state to;
    assert_int_equal(wf_next(WF_STATE_COUNT, WF_SUBMIT, &to), -1);
    assert_int_equal(wf_next(WF_DRAFT, WF_ACTION_COUNT, &to), -1);
    assert_string_equal(wf_state_name(WF_STATE_COUNT), "");
    assert_string_equal(wf_action_name(WF_ACTION_COUNT), "");
    assert_string_equal(wf_action_role(WF_ACTION_COUNT), "");
}

static void test_predicates_and_names(void **state)
{
    (void)state;
    for (int i = 0; i < WF_STATE_COUNT; i++) {
        wf_state s;
        assert_int_equal(wf_state_parse(wf_state_name((wf_state)i), &s), 0);
        assert_int_equal(s, i);
        assert_true(strlen(wf_state_label((wf_state)i)) > 0);
        assert_int_equal(wf_enterprise_editable((wf_state)i), i == WF_DRAFT || i == WF_RETURNED);
        assert_int_equal(wf_counts_for_e4((wf_state)i), i != WF_DRAFT);
        assert_int_equal(wf_district_visible((wf_state)i), i != WF_DRAFT);
    }
    for (int i = 0; i < WF_ACTION_COUNT; i++) {
        wf_action a;
        assert_int_equal(wf_action_parse(wf_action_name((wf_action)i), &a), 0);
        assert_int_equal(a, i);
    }
    wf_state s;
    wf_action a;
    assert_int_equal(wf_state_parse("approved", &s), -1);
    assert_int_equal(wf_state_parse(NULL, &s), -1);
    assert_int_equal(wf_action_parse("delete", &a), -1);
    assert_string_equal(wf_state_name(WF_DISTRICT_APPROVED), "district_approved");
    assert_string_equal(wf_action_role(WF_WITHDRAW), "enterprise");
    assert_string_equal(wf_action_role(WF_RETURN), "district");
    assert_string_equal(wf_action_role(WF_DIRECT), "commission");
}

/* The one policy, for every role and state: who sees, edits, reviews and decides. */
static void test_policy(void **state)
{
    (void)state;
    const wf_party owner = {"enterprise", 7, "", false}, stranger = {"enterprise", 8, "", false},
                   district = {"district", 0, "500112", false},
                   other_district = {"district", 0, "500101", false},
                   assigned = {"expert", 0, "", true}, unassigned = {"expert", 0, "", false},
                   commission = {"commission", 0, "", false}, admin = {"admin", 0, "", false},
                   nobody = {"", 0, "", false}, unbound = {"enterprise", 0, "", false};
    for (int s = 0; s < WF_STATE_COUNT; s++) {
        wf_subject app = {7, "500112", (wf_state)s};
        bool draft = s == WF_DRAFT, editable = s == WF_DRAFT || s == WF_RETURNED;
        assert_true(wf_may(&owner, &app, WF_SEE));
        assert_int_equal(wf_may(&owner, &app, WF_EDIT), editable);
        assert_false(wf_may(&owner, &app, WF_REVIEW));
        assert_false(wf_may(&owner, &app, WF_DECIDE));
        assert_false(wf_may(&stranger, &app, WF_SEE));
        assert_false(wf_may(&unbound, &(wf_subject){0, "500112", (wf_state)s}, WF_SEE));
        assert_int_equal(wf_may(&district, &app, WF_SEE), !draft);
        assert_int_equal(wf_may(&district, &app, WF_REVIEW), s == WF_SUBMITTED);
        assert_false(wf_may(&district, &app, WF_EDIT));
        assert_false(wf_may(&other_district, &app, WF_SEE));
        assert_true(wf_may(&assigned, &app, WF_SEE));
        assert_int_equal(wf_may(&assigned, &app, WF_REVIEW), s == WF_EXPERT_REVIEW);
        assert_false(wf_may(&unassigned, &app, WF_SEE));
        assert_true(wf_may(&commission, &app, WF_SEE));
        assert_true(wf_may(&commission, &app, WF_DECIDE));
        assert_false(wf_may(&commission, &app, WF_EDIT));
        assert_false(wf_may(&admin, &app, WF_SEE));
        assert_false(wf_may(&nobody, &app, WF_SEE));
    }
    /* a district account without a district sees nothing, even an application without one */
    const wf_party blank = {"district", 0, "", false};
    assert_false(wf_may(&blank, &(wf_subject){7, "", WF_SUBMITTED}, WF_SEE));
    assert_string_equal(wf_action_label(WF_SUBMIT), "提交");
    assert_string_equal(wf_action_label(WF_ACTION_COUNT), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_main_path),
        cmocka_unit_test(test_branches),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_predicates_and_names),
        cmocka_unit_test(test_every_pair_against_the_expected_table),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
