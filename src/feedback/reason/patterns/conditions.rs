//! Fragments of conditions: a full or moved mailbox, an unknown host,
//! relaying, reputation, size, time, transport and system errors.

use super::Pat;

pub(super) const MAILBOXFULL: Pat = Pat {
    not: &[],
    any: &[
        "452 insufficient disk space",
        "account disabled temporarly for exceeding receiving limits",
        "boite du destinataire pleine",
        "exceeded storage allocation",
        "full mailbox",
        "mailbox exceeds allowed size",
        "mailbox size limit exceeded",
        "mailbox would exceed maximum allowed storage",
        "mailfolder is full",
        "no space left on device",
        "not sufficient disk space",
        "quota violation for",
        "too much mail data",
        "user has exceeded quota, bouncing mail",
        "user has too many messages on the server",
        "user's space has been used up",
    ],
    seq: &[
        &["account is ", " quota"],
        &["disk", "quota"],
        &["enough ", " space"],
        &["mailbox ", "exceeded", " limit"],
        &["mailbox ", "full"],
        &["mailbox ", "quota"],
        &["maildir ", "quota"],
        &["over ", "quota"],
        &["quota ", "exceeded"],
    ],
};

pub(super) const HOSTUNKNOWN: Pat = Pat {
    not: &[],
    any: &[
        "domain does not exist",
        "domain is not reachable",
        "domain must exist",
        "host or domain name not found",
        "host unknown",
        "host unreachable",
        "mail domain mentioned in email address is unknown",
        "name or service not known",
        "no such domain",
        "recipient address rejected: unknown domain name",
        "recipient domain must exist",
        "the account or domain may not exist",
        "unknown host",
        "unroutable address",
        "unrouteable address",
    ],
    seq: &[&["553 ", " does not exist"]],
};

pub(super) const SUSPEND: Pat = Pat {
    not: &[],
    any: &[
        " is currently suspended",
        " temporary locked",
        "archived recipient",
        "boite du destinataire archivee",
        "email account that you tried to reach is disabled",
        "has been suspended",
        "inactive account",
        "invalid/inactive user",
        "is a deactivated mailbox",
        "is unavailable: user is terminated",
        "mailbox currently suspended",
        "mailbox disabled",
        "mailbox is frozen",
        "mailbox unavailable or access denied",
        "recipient rejected: temporarily inactive",
        "recipient suspend the service",
        "the email account that you tried to reach is inactive",
        "this account has been disabled or discontinued",
        "this account has been temporarily suspended",
        "this address no longer accepts mail",
        "this mailbox is disabled",
        "user or domain is disabled",
        "user suspended",
        "vdelivermail: account is locked email bounced",
    ],
    seq: &[],
};

pub(super) const HASMOVED: Pat = Pat {
    not: &[],
    any: &[" has been replaced by "],
    seq: &[],
};

pub(super) const NOTACCEPT: Pat = Pat {
    not: &[],
    any: &[
        "does not accept mail (nullmx)",
        "host/domain does not accept mail",
        "host does not accept mail",
        "mail receiving disabled",
        "name server: .: host not found",
        "no mx record found for domain=",
        "no route for current request",
        "smtp protocol returned a permanent error",
        "returned null mx",
        "an mx or srv record indicated no smtp service",
    ],
    seq: &[],
};

pub(super) const NORELAYING: Pat = Pat {
    not: &[],
    any: &[
        "as a relay",
        "email address is not verified.",
        "insecure mail relay",
        "is not permitted to relay through this server without authentication",
        "mail server requires authentication when attempting to send to a non-local e-mail address",
        "no relaying",
        "not a gateway",
        "not allowed to relay through this machine",
        "not an open relay, so get lost",
        "not local host",
        "relay access denied",
        "relay denied",
        "relay not permitted",
        "relaying denied",
        "relaying mail to ",
        "specified domain is not allowed",
        "that domain isn't in my list of allowed rcpthost",
        "this system is not configured to relay mail",
        "unable to relay ",
        "we don't handle mail for",
    ],
    seq: &[],
};

pub(super) const AUTHFAILURE: Pat = Pat {
    not: &[],
    any: &[
        "//spf.pobox.com",
        "bad spf records for",
        "dmarc policy",
        "doesn't meet the required authentication level",
        "please inspect your spf settings",
        "sender policy framework (spf) fail",
        "sender policy framework violation",
        "spf (sender policy framework) domain authentication fail",
        "spf check: fail",
    ],
    seq: &[
        &[" is not allowed to send mail.", "_401"],
        &["is not allowed to send from <", " per it's spf record"],
    ],
};

pub(super) const BADREPUTATION: Pat = Pat {
    not: &[],
    any: &[
        "a poor email reputation score",
        "has been temporarily rate limited due to ip reputation",
        "ip/domain reputation problems",
        "likely suspicious due to the very low reputation",
        "none/bad reputation",
        "temporarily deferred due to unexpected volume or user complaints",
        "the sending mta's poor reputation",
    ],
    seq: &[],
};

pub(super) const REQUIREPTR: Pat = Pat {
    not: &[],
    any: &[
        "access denied. ip name lookup failed",
        "all mail servers must have a ptr record with a valid reverse dns entry",
        "bad dns ptr resource record",
        "cannot find your hostname",
        "cannot resolve your address.",
        "client host rejected: cannot find your hostname",
        "fix reverse dns for ",
        "ips with missing ptr records",
        "no ptr record found.",
        "please get a custom reverse dns name from your isp for your host",
        "ptr record setup",
        "reverse dns failed",
        "reverse dns required",
        "sender ip reverse lookup rejected",
        "the ip address sending this message does not have a ptr record setup",
        "the corresponding forward dns entry does not point to the sending ip",
        "this system will not accept messages from servers/devices with no reverse dns",
        "unresolvable relay host name",
        "we do not accept mail from hosts with dynamic ip or generic dns ptr-records",
    ],
    seq: &[
        &["domain ", " mismatches client ip"],
        &["dns lookup failure: ", " try again later"],
        &["reverse dns lookup for host ", " failed permanently"],
        &[
            "server access ",
            " forbidden by invalid rdns record of your mail server",
        ],
        &["service permits ", " unverifyable sending ips"],
    ],
};

pub(super) const NOTCOMPLIANTRFC: Pat = Pat {
    not: &[],
    any: &[
        "duplicate header",
        "this message is not rfc 5322 compliant",
        "https://support.google.com/mail/?p=rfcmessagenoncompliant",
    ],
    seq: &[&[" multiple ", " header"]],
};

pub(super) const CONTENTERROR: Pat = Pat {
    not: &[],
    any: &[
        "duplicate header",
        "header error",
        "header size exceeds maximum permitted",
        "this message was blocked because its content presents a potential",
        "improper use of 8-bit data in message header",
        "message header size, or recipient list, exceeds policy limit",
        "message mime complexity exceeds the policy maximum",
        "routing loop detected -- too many received: headers",
        "this message contain invalid mime headers",
        "this message contain improperly-formatted binary content",
        "this message contain text that uses unnecessary base64 encoding",
    ],
    seq: &[],
};

pub(super) const RATELIMITED: Pat = Pat {
    not: &[],
    any: &[
        "has exceeded the max emails per hour ",
        "please try again slower",
        "receiving mail at a rate that prevents additional messages from being delivered",
        "temporarily deferred due to unexpected volume or user complaints",
        "throttling failure: ",
        "too many errors from your ip",
        "trop de connexions, ",
        "we have already made numerous attempts to deliver this message",
    ],
    seq: &[
        &["connection ", "limit"],
        &[
            "exceeded ",
            "allowable number of posts without solving a captcha",
        ],
        &["temporarily", "rate limited"],
        &["throttled ", "postmaster.comcast.net"],
        &["too many ", "session"],
        &["too many ", "recipients"],
        &["too many con", "s"],
    ],
};

pub(super) const EMAILTOOLARGE: Pat = Pat {
    not: &[],
    any: &[
        "exceeded maximum inbound message size",
        "exceeded the maximum incoming message size",
        "line limit exceeded",
        "max message size exceeded",
        "message file too big",
        "message header size exceeds limit",
        "message length exceeds administrative limit",
        "message size exceeds fixed limit",
        "message size exceeds fixed maximum message size",
        "message size exceeds maximum value",
        "message too big",
        "message too large",
        "size limit",
        "taille limite du message atteinte",
    ],
    seq: &[],
};

pub(super) const EXPIRED: Pat = Pat {
    not: &[],
    any: &[
        "connection timed out",
        "could not find a gateway for",
        "delivery attempts will continue to be",
        "delivery expired",
        "delivery time expired",
        "failed to deliver to domain ",
        "giving up on",
        "have been failing for a long time",
        "has been delayed",
        "it has not been collected after",
        "message expired after sitting in queue for",
        "message expired, cannot connect to remote server",
        "message expired, connection refulsed",
        "message timed out",
        "retry time not reached for any host after a long failure period",
        "server did not respond",
        "this message has been in the queue too long",
        "unable to deliver message after multiple retries",
        "was not reachable within the allowed queue period",
        "your message could not be delivered for more than",
        // Phrases of MTAs whose own parsers Sisimai uses to say "expired".
        "retry timeout exceeded",
        "envelope expired",
        "did not accept our requests to connect",
        "could not deliver for the last",
        "queue expired",
        "message expired",
    ],
    seq: &[
        &["could not be delivered for", " days"],
        &["not delivered within ", " days"],
    ],
};

pub(super) const NETWORKERROR: Pat = Pat {
    not: &[],
    any: &[
        "could not connect and send the mail to",
        "dns records for the destination computer could not be found",
        "hop count exceeded - possible mail loop",
        "host is unreachable",
        "host name lookup failure",
        "host not found, try again",
        "mail forwarding loop for ",
        "malformed name server reply",
        "malformed or unexpected name server reply",
        "maximum forwarding loop count exceeded",
        "message looping",
        "message probably in a routing loop",
        "no route to host",
        "too many hops",
        "unable to resolve route ",
        "unrouteable mail domain",
    ],
    seq: &[],
};

pub(super) const SYSTEMERROR: Pat = Pat {
    not: &[],
    any: &[
        "aliasing/forwarding loop broken",
        "can't create user output file",
        "could not load drd for domain",
        "internal error reading data",
        "internal server error: operation now in progress",
        "interrupted system call",
        "it encountered an error while being processed",
        "it would create a mail loop",
        "local configuration error",
        "local error in processing",
        "loop was found in the mail exchanger",
        "loops back to myself",
        "mail system configuration error",
        "queue file write error",
        "recipient deferred because there is no mdb",
        "remote server is misconfigured",
        "server configuration error",
        "service currently unavailable",
        "system config error",
        "temporary local problem",
        "timeout waiting for input",
        "transaction failed ",
    ],
    seq: &[&["unable to connect ", "daemon"]],
};

pub(super) const SYSTEMFULL: Pat = Pat {
    not: &[],
    any: &[
        "mail system full",
        "requested mail action aborted: exceeded storage allocation",
    ],
    seq: &[],
};

pub(super) const SECURITYERROR: Pat = Pat {
    not: &[],
    any: &[
        "account not subscribed to ses",
        "authentication credentials invalid",
        "authentication failure",
        "authentication required",
        "authentication turned on in your email client",
        "executable files are not allowed in compressed files",
        "insecure mail relay",
        "recipient address rejected: access denied",
        "sorry, you don't authenticate or the domain isn't in my list of allowed rcpthosts",
        "unauthenticated senders not allowed",
        "verification failure",
        "you are not authorized to send mail, authentication is required",
    ],
    seq: &[
        &["authentication failed; server ", " said: "],
        &["authentification invalide", "305"],
        &["authentification requise", "402"],
        &["domain ", " is a dead domain"],
        &[
            "user ",
            " is not authorized to perform ses:sendrawemail on resource",
        ],
    ],
};

pub(super) const VIRUSDETECTED: Pat = Pat {
    not: &[],
    any: &[
        "it has a potentially executable attachment",
        "the message was rejected because it contains prohibited virus or spam content",
        "this form of attachment has been used by recent viruses or other malware",
        "virus detected",
        "virus phishing/malicious_url detected",
        "your message was infected with a virus",
    ],
    seq: &[],
};

pub(super) const MAILERERROR: Pat = Pat {
    not: &[],
    any: &[
        " || exit ",
        "procmail: ",
        "bin/procmail",
        "bin/maidrop",
        "command failed: ",
        "command died with status ",
        "command output:",
        "mailer error",
        "pipe to |/",
        "x-unix; ",
    ],
    seq: &[],
};

pub(super) const FAILEDSTARTTLS: Pat = Pat {
    not: &[],
    any: &[
        "starttls is required to send mail",
        "tls required but not supported",
    ],
    seq: &[],
};

pub(super) const VACATION: Pat = Pat {
    not: &[],
    any: &[
        "i am away on vacation",
        "i am away until",
        "i am out of the office",
        "i will be traveling for work on",
    ],
    seq: &[],
};
