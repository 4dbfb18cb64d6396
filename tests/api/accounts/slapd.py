"""A real, throwaway OpenLDAP server for the LDAP tests (Debian's ``slapd``).

:func:`start_slapd` writes a ``cn=config`` LDIF (mdb database, the core, cosine,
inetorgperson and nis schemas, a small eduPerson/SCHAC schema, the ``memberof`` overlay
that keeps ``memberOf`` on people in step with ``groupOfNames`` groups, Esup-style ACLs:
people and groups readable by signed-in accounts only, passwords usable to bind with),
loads it with ``slapadd -n0`` into a fresh ``slapd.d``, starts ``slapd`` as the current
user on a free loopback port, seeds entries with ``ldapadd``. Optionally it serves
StartTLS with a certificate made here by ``openssl``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")

SUFFIX = "dc=univ,dc=example"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret"
SERVICE_DN = f"cn=pod,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"

#: eduPerson (internet2) and SCHAC attributes, with their registered OIDs
EDU_SCHEMA = """\
dn: cn=edu,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: edu
olcAttributeTypes: ( 1.3.6.1.4.1.5923.1.1.1.1 NAME 'eduPersonAffiliation'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
olcAttributeTypes: ( 1.3.6.1.4.1.5923.1.1.1.5 NAME 'eduPersonPrimaryAffiliation'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
olcAttributeTypes: ( 1.3.6.1.4.1.25178.1.2.9 NAME 'schacHomeOrganization'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
olcObjectClasses: ( 1.3.6.1.4.1.5923.1.1.2 NAME 'eduPerson' AUXILIARY
  MAY ( eduPersonAffiliation $ eduPersonPrimaryAffiliation ) )
olcObjectClasses: ( 1.3.6.1.4.1.25178.1.1.2 NAME 'schacPersonalCharacteristics'
  AUXILIARY MAY schacHomeOrganization )
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ssha(password: str) -> str:
    """``{SSHA}`` userPassword value (salted SHA-1, as ``slappasswd`` makes)."""
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def _config_ldif(folder: Path, tls: tuple[Path, Path] | None) -> str:
    schemas = "\n".join(
        (SCHEMA_DIR / f"{name}.ldif").read_text()
        for name in ("core", "cosine", "inetorgperson", "nis")
    )
    tls_lines = (
        f"olcTLSCertificateFile: {tls[0]}\nolcTLSCertificateKeyFile: {tls[1]}\n" if tls else ""
    )
    return f"""\
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {folder}/slapd.pid
{tls_lines}
dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: {MODULE_DIR}
olcModuleLoad: back_mdb
olcModuleLoad: memberof

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

{schemas}
{EDU_SCHEMA}
dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: {{0}}to * by * none

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {SUFFIX}
olcDbDirectory: {folder}/data
olcDbMaxSize: 16777216
olcRootDN: {ROOT_DN}
olcRootPW: {ROOT_PASSWORD}
olcAccess: {{0}}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {{1}}to * by users read by anonymous auth by * none

dn: olcOverlay={{0}}memberof,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {{0}}memberof
olcMemberOfRefInt: TRUE
olcMemberOfGroupOC: groupOfNames
olcMemberOfMemberAD: member
olcMemberOfMemberOfAD: memberOf
"""


def _base_entries() -> str:
    return f"""\
dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
dc: univ
o: Université Exemple

dn: ou=people,{SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{SUFFIX}
objectClass: organizationalUnit
ou: groups

dn: ou=services,{SUFFIX}
objectClass: organizationalUnit
ou: services

dn: {SERVICE_DN}
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: pod
userPassword: {ssha(SERVICE_PASSWORD)}
"""


def _make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (it is its own CA)."""
    cert, key = folder / "server.crt", folder / "server.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@dataclass
class Slapd:
    """A running slapd: its ``uri`` and how to change its entries."""

    uri: str
    process: subprocess.Popen
    folder: Path
    ca_file: Path | None = None

    def _tool(self, tool: str, ldif: str) -> None:
        result = subprocess.run(
            [tool, "-x", "-H", self.uri, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
            input=ldif,
            text=True,
            capture_output=True,
            env={**os.environ, **({"LDAPTLS_CACERT": str(self.ca_file)} if self.ca_file else {})},
        )
        assert result.returncode == 0, f"{tool}: {result.stderr}\n{ldif}"

    def add(self, ldif: str) -> None:
        """``ldapadd`` the entries of ``ldif``, as the directory's manager."""
        self._tool("ldapadd", ldif)

    def modify(self, ldif: str) -> None:
        """``ldapmodify`` with ``ldif`` (changetype records), as the directory's manager."""
        self._tool("ldapmodify", ldif)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_slapd(folder: Path, *, tls: bool = False) -> Slapd:
    """Configure, start and seed (suffix, ou=people, ou=groups, the service account) a
    slapd under ``folder``; the caller stops it."""
    (folder / "slapd.d").mkdir(parents=True)
    (folder / "data").mkdir()
    certificate = _make_certificate(folder) if tls else None
    config = folder / "config.ldif"
    config.write_text(_config_ldif(folder, certificate))
    subprocess.run(
        [SLAPADD, "-n0", "-F", str(folder / "slapd.d"), "-l", str(config)],
        check=True,
        capture_output=True,
    )
    port = free_port()
    uri = f"ldap://127.0.0.1:{port}"
    log = (folder / "slapd.log").open("wb")
    process = subprocess.Popen(
        [SLAPD, "-d", "0", "-F", str(folder / "slapd.d"), "-h", f"{uri}/"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Slapd(uri, process, folder, certificate[0] if certificate else None)
    deadline = time.monotonic() + 20
    while True:
        assert process.poll() is None, (folder / "slapd.log").read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "slapd did not start listening"
            time.sleep(0.05)
    server.add(_base_entries())
    return server


def person_ldif(
    uid: str,
    password: str,
    *,
    given_name: str,
    surname: str,
    mail: str,
    affiliations: tuple[str, ...] = (),
    primary: str | None = None,
    establishment: str | None = None,
) -> str:
    """An Esup-style person entry under ou=people (inetOrgPerson + eduPerson + SCHAC)."""
    lines = [
        f"dn: uid={uid},{PEOPLE}",
        "objectClass: inetOrgPerson",
        "objectClass: eduPerson",
        "objectClass: schacPersonalCharacteristics",
        f"uid: {uid}",
        f"cn: {given_name} {surname}",
        f"givenName: {given_name}",
        f"sn: {surname}",
        f"mail: {mail}",
        f"userPassword: {ssha(password)}",
        *(f"eduPersonAffiliation: {a}" for a in affiliations),
        *([f"eduPersonPrimaryAffiliation: {primary}"] if primary else []),
        *([f"schacHomeOrganization: {establishment}"] if establishment else []),
    ]
    return "\n".join(lines) + "\n"


def group_ldif(name: str, *member_uids: str) -> str:
    """A groupOfNames under ou=groups (the memberof overlay adds memberOf to members)."""
    lines = [f"dn: cn={name},{GROUPS}", "objectClass: groupOfNames", f"cn: {name}"]
    lines += [f"member: uid={uid},{PEOPLE}" for uid in member_uids]
    return "\n".join(lines) + "\n"
