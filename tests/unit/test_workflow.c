/* Unit tests of core/workflow: the transition table against SPEC §6, names both ways. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_main_path),
        cmocka_unit_test(test_branches),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_predicates_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
