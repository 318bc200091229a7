#include "core/dangerous_env.hpp"

#include <array>

namespace bro {
namespace {

using Match = DangerousEnvName::Match;
constexpr Match kExact = Match::kExact;
constexpr Match kPrefix = Match::kPrefix;

// One row per name or prefix, grouped by who reads it. The reason says what a caller who sets
// it gets; that is what --allow-dangerous-env accepts on the administrator's behalf.
// Sources: glibc's UNSECURE_ENVVARS (what it strips for setuid programs), the interpreters'
// manuals, and the CVEs of this tool class (CVE-2021-4034 GCONV_PATH, CVE-2023-4911
// GLIBC_TUNABLES, CVE-2021-21261 LD_PRELOAD through a forwarded environment).
constexpr std::array kTable{
    // The dynamic loader and glibc.
    DangerousEnvName{"LD_", kPrefix,
                     "dynamic loader: LD_PRELOAD/LD_AUDIT/LD_LIBRARY_PATH load code"},
    DangerousEnvName{"GLIBC_TUNABLES", kExact, "glibc tunables (CVE-2023-4911)"},
    DangerousEnvName{"GCONV_PATH", kExact, "iconv loads modules from it (CVE-2021-4034)"},
    DangerousEnvName{"GETCONF_DIR", kExact, "getconf runs programs from it"},
    DangerousEnvName{"LOCPATH", kExact, "locale files parsed from a caller-chosen directory"},
    DangerousEnvName{"NLSPATH", kExact, "message catalogues (format strings) from any file"},
    DangerousEnvName{"HOSTALIASES", kExact, "the resolver reads any file as host aliases"},
    DangerousEnvName{"RESOLV_HOST_CONF", kExact, "the resolver reads any file as its config"},
    DangerousEnvName{"RES_OPTIONS", kExact, "changes how names resolve"},
    DangerousEnvName{"LOCALDOMAIN", kExact, "changes how names resolve"},
    DangerousEnvName{"NIS_PATH", kExact, "NIS+ lookups from caller-chosen tables"},
    DangerousEnvName{"MALLOC_", kPrefix, "malloc debugging: MALLOC_TRACE writes any file"},
    DangerousEnvName{"TZDIR", kExact, "time-zone files parsed from any directory"},
    DangerousEnvName{"TMPDIR", kExact, "temporary files go where the caller says"},
    // Shells: start-up files, imported functions, and settings that make scripts misbehave.
    DangerousEnvName{"BASH_ENV", kExact, "bash sources this file before a script"},
    DangerousEnvName{"ENV", kExact, "sh sources this file at start"},
    DangerousEnvName{"BASH_FUNC_", kPrefix, "exported bash functions replace commands"},
    DangerousEnvName{"SHELLOPTS", kExact, "turns on bash options, e.g. xtrace with PS4"},
    DangerousEnvName{"BASHOPTS", kExact, "turns on bash shopt options in scripts"},
    DangerousEnvName{"PS4", kExact, "expanded (command substitution) under xtrace"},
    DangerousEnvName{"PROMPT_COMMAND", kExact, "run by bash before each prompt"},
    DangerousEnvName{"CDPATH", kExact, "redirects cd in scripts"},
    DangerousEnvName{"GLOBIGNORE", kExact, "changes what globs match in scripts"},
    DangerousEnvName{"IFS", kExact, "changes word splitting in scripts"},
    DangerousEnvName{"ZDOTDIR", kExact, "zsh sources start-up files from it"},
    DangerousEnvName{"PATH", kExact, "chooses which programs the tool runs"},
    // Interpreters and runtimes: options and module paths that run or load code.
    DangerousEnvName{"PYTHON", kPrefix, "PYTHONPATH/PYTHONSTARTUP/PYTHONHOME load code"},
    DangerousEnvName{"PERL", kPrefix, "PERL5LIB/PERL5OPT/PERLLIB load code, PERLIO_DEBUG writes"},
    DangerousEnvName{"RUBYOPT", kExact, "ruby options, e.g. -r to load code"},
    DangerousEnvName{"RUBYLIB", kExact, "ruby loads libraries from it"},
    DangerousEnvName{"NODE_OPTIONS", kExact, "node options, e.g. --require to load code"},
    DangerousEnvName{"NODE_PATH", kExact, "node loads modules from it"},
    DangerousEnvName{"JAVA_TOOL_OPTIONS", kExact, "JVM options, e.g. -javaagent loads code"},
    DangerousEnvName{"_JAVA_OPTIONS", kExact, "JVM options, e.g. -javaagent loads code"},
    DangerousEnvName{"JDK_JAVA_OPTIONS", kExact, "JVM options, e.g. -javaagent loads code"},
    DangerousEnvName{"CLASSPATH", kExact, "the JVM loads classes from it"},
    DangerousEnvName{"LUA_", kPrefix, "LUA_INIT runs code, LUA_PATH/LUA_CPATH load it"},
    DangerousEnvName{"TCLLIBPATH", kExact, "tclsh loads packages from it"},
    DangerousEnvName{"PHPRC", kExact, "php reads its ini (auto_prepend_file) from it"},
    DangerousEnvName{"PHP_INI_SCAN_DIR", kExact, "php reads extra ini files from it"},
    DangerousEnvName{"DOTNET_STARTUP_HOOKS", kExact, ".NET loads these assemblies first"},
    // Libraries and tools that run a command or load a module named by a variable.
    DangerousEnvName{"GIT_", kPrefix, "GIT_SSH_COMMAND/GIT_EXEC_PATH/GIT_CONFIG_* run commands"},
    DangerousEnvName{"OPENSSL_CONF", kExact, "OpenSSL config can load engine modules"},
    DangerousEnvName{"OPENSSL_ENGINES", kExact, "OpenSSL loads engine modules from it"},
    DangerousEnvName{"SSLKEYLOGFILE", kExact, "TLS libraries write session keys to this file"},
    DangerousEnvName{"TERMINFO", kExact, "terminfo parsed from any file (CVE-2023-29491)"},
    DangerousEnvName{"TERMINFO_DIRS", kExact, "terminfo parsed from any directory"},
    DangerousEnvName{"LESSOPEN", kExact, "less runs this command on its input"},
    DangerousEnvName{"LESSCLOSE", kExact, "less runs this command after its input"},
    DangerousEnvName{"PAGER", kExact, "tools run this command to page output"},
    DangerousEnvName{"MANPAGER", kExact, "man runs this command"},
    DangerousEnvName{"EDITOR", kExact, "tools run this command to edit"},
    DangerousEnvName{"VISUAL", kExact, "tools run this command to edit"},
    DangerousEnvName{"BROWSER", kExact, "tools run this command to open links"},
    DangerousEnvName{"SSH_ASKPASS", kExact, "ssh runs this command"},
    DangerousEnvName{"MAKEFLAGS", kExact, "make options and variables, e.g. SHELL=..."},
    DangerousEnvName{"GNUMAKEFLAGS", kExact, "make options and variables, e.g. SHELL=..."},
    DangerousEnvName{"MFLAGS", kExact, "make options"},
    DangerousEnvName{"MAKEFILES", kExact, "make reads these makefiles first"},
    // Where programs look for their configuration (which can name commands to run).
    DangerousEnvName{"HOME", kExact, "dotfiles (e.g. ~/.gitconfig) from the caller's choice"},
    DangerousEnvName{"XDG_CONFIG_HOME", kExact, "configuration from the caller's choice"},
};

bool matches(const DangerousEnvName& entry, std::string_view name) {
    return entry.match == kExact ? name == entry.name : name.starts_with(entry.name);
}

}  // namespace

std::span<const DangerousEnvName> dangerous_env_names() {
    return kTable;
}

const DangerousEnvName* find_dangerous_env(std::string_view name) {
    for (const auto& entry : kTable) {
        if (matches(entry, name)) return &entry;
    }
    return nullptr;
}

}  // namespace bro
