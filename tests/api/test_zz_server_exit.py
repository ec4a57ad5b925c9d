"""Runs last (conftest reorders it): stops every server of the session with SIGTERM and fails when
one printed an AddressSanitizer/LeakSanitizer/UBSan report, hung, or exited non-zero."""
import smiptest as st


def test_servers_exit_cleanly_without_sanitizer_reports(server):
    problems = st.Server.stop_all()
    assert not problems, "\n\n".join(problems)
