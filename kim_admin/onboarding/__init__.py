"""The guided setup of a new recipient (issue 16): an administrator walks through the steps
(recipient and its KI, grant notice, carriers, positions, logins) in the app's own layout;
each step is checked when it is sent and kept in the session, and the last step saves all of
it in one transaction (``services.recipient_setup``): nothing is half-saved."""
