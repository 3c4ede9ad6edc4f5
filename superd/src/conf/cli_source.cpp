// SPDX-License-Identifier: MIT
#include "conf/cli_source.hpp"

#include <boost/program_options.hpp>
#include <sstream>

#include "conf/schema.hpp"

namespace po = boost::program_options;

namespace superd::conf {

namespace {

const char* const kServiceSetting = "service-setting";
const char* const kPositional = "positional-setting";

bool is_bool_key(const KeySpec* k) {
  return k && std::string_view(k->target.type) == kTypeName<bool>;
}

po::options_description actions() {
  po::options_description d("Actions");
  d.add_options()
      ("check,t", "Validate the configuration, print every problem with file:line, exit 0 or 1.")
      ("print-config", "Print the effective configuration with the origin of each value, exit.")
      ("inetd", po::value<std::string>()->value_name("SERVICE"),
       "Serve one connection already on stdin/stdout with SERVICE, then exit.")
      ("import-inetd", po::value<std::string>()->value_name("FILE"),
       "Print the services of an inetd.conf file as superd conf sections, exit.")
      ("import-xinetd", po::value<std::string>()->value_name("FILE"),
       "Print the xinetd configuration FILE (with its includes) as superd conf, exit.")
      ("dump-schema", po::value<std::string>()->value_name("man"),
       "Print the KEYS section of superd.conf(5) generated from the schema.")
      ("help,h", "Show this help.")
      ("version,V", "Show the version.");
  return d;
}

po::options_description key_options() {
  po::options_description d("Settings (--KEY=VALUE, --KEY VALUE, KEY=VALUE, --SERVICE.KEY=VALUE)");
  for (const KeySpec& k : keys()) {
    if (k.scope == Scope::Service) continue;
    std::string flags = k.name;
    if (flags == "conf_file") flags += ",c";
    std::string doc = k.doc;
    if (*k.def) doc += std::string(" [") + k.def + "]";
    // Each value semantic is made for the one option that owns it; one made
    // and not handed over would leak.
    const po::value_semantic* v;
    if (k.repeat) {
      v = po::value<std::vector<std::string>>()->composing()->value_name(k.target.type);
    } else {
      po::typed_value<std::string>* one = po::value<std::string>()->value_name(k.target.type);
      if (is_bool_key(&k)) one->implicit_value("yes");
      v = one;
    }
    d.add_options()(flags.c_str(), v, doc.c_str());
  }
  return d;
}

po::options_description hidden() {
  po::options_description d;
  d.add_options()(kServiceSetting, po::value<std::vector<std::string>>()->composing())(
      kPositional, po::value<std::vector<std::string>>()->composing());
  return d;
}

// "--SERVICE.KEY VALUE" becomes "--SERVICE.KEY=VALUE" (a boolean key alone means yes),
// so that Program_options sees one token.
std::vector<std::string> join_service_values(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto dot = a.find('.');
    if (a.rfind("--", 0) != 0 || dot == std::string::npos || a.find('=') != std::string::npos) {
      out.push_back(a);
      continue;
    }
    if (is_bool_key(find_key(a.substr(dot + 1))))
      out.push_back(a + "=yes");
    else if (i + 1 < args.size())
      out.push_back(a + "=" + args[++i]);
    else
      out.push_back(a);  // reported as having no value
  }
  return out;
}

std::pair<std::string, std::string> service_parser(const std::string& token) {
  auto eq = token.find('=');
  auto dot = token.find('.');
  if (token.rfind("--", 0) == 0 && dot != std::string::npos && (eq == std::string::npos || dot < eq))
    return {kServiceSetting, token.substr(2)};
  return {};
}

// "KEY=VALUE" or "SERVICE.KEY=VALUE" -> setting.
bool add_assignment(const std::string& text, Layer layer, CommandLine& out,
                    std::vector<Diagnostic>& diags, const char* form) {
  auto eq = text.find('=');
  if (eq == std::string::npos) {
    diags.push_back(diagnostic_at(Origin{layer, {}, 0}, {}, {},
                                  "'" + std::string(form) + text + "' has no value",
                                  "write " + std::string(form) + text + "=VALUE"));
    return false;
  }
  std::string name = text.substr(0, eq), section;
  if (auto dot = name.find('.'); dot != std::string::npos) {
    section = name.substr(0, dot);
    name = name.substr(dot + 1);
    if (section == "global") section.clear();  // as [global] in a conf file
  }
  out.settings.push_back(Setting{section, name, text.substr(eq + 1), Origin{layer, {}, 0}});
  return true;
}

void usage_error(Layer layer, std::string message, std::string hint,
                 std::vector<Diagnostic>& diags) {
  diags.push_back(diagnostic_at(Origin{layer, {}, 0}, {}, {}, std::move(message), std::move(hint)));
}

}  // namespace

bool parse_args(const std::vector<std::string>& raw, Layer layer, CommandLine& out,
                std::vector<Diagnostic>& diags) {
  po::options_description all;
  all.add(actions()).add(key_options()).add(hidden());
  po::positional_options_description pos;
  pos.add(kPositional, -1);
  po::parsed_options parsed(&all);
  try {
    parsed = po::command_line_parser(join_service_values(raw))
                 .options(all)
                 .positional(pos)
                 .extra_parser(service_parser)
                 .style(po::command_line_style::default_style &
                        ~po::command_line_style::allow_guessing)
                 .run();
  } catch (const po::unknown_option& e) {
    std::string name = e.get_option_name();
    name = name.substr(0, name.find('='));
    std::string bare = name.substr(name.find_first_not_of('-'));
    std::string guess = suggest_key(bare);
    const KeySpec* k = find_key(bare);
    std::string hint = k && k->scope == Scope::Service ? "a service key: write --SERVICE." + bare + "=VALUE"
                       : guess.empty() ? "see superd --help"
                       : find_key(guess)->scope == Scope::Service
                           ? "did you mean '--SERVICE." + guess + "'?"
                           : "did you mean '--" + guess + "'?";
    usage_error(layer, "unknown option '" + name + "'", hint, diags);
    return false;
  } catch (const po::error& e) {
    usage_error(layer, e.what(), "see superd --help", diags);
    return false;
  }
  bool ok = true;
  for (const po::option& o : parsed.options) {
    const std::string& key = o.string_key;
    std::string value = o.value.empty() ? "" : o.value.back();
    bool is_action = key == "check" || key == "print-config" || key == "help" ||
                     key == "version" || key == "inetd" || key == "dump-schema" ||
                     key == "import-inetd" || key == "import-xinetd";
    if (is_action && layer != Layer::CommandLine) {
      usage_error(layer, "'--" + key + "' is an action, valid only on the command line", {}, diags);
      ok = false;
    } else if (key == "check") out.check = true;
    else if (key == "print-config") out.print_config = true;
    else if (key == "help") out.help = true;
    else if (key == "version") out.version = true;
    else if (key == "inetd") out.inetd_service = value;
    else if (key == "dump-schema") out.dump_schema = value;
    else if (key == "import-inetd") out.import_inetd = value;
    else if (key == "import-xinetd") out.import_xinetd = value;
    else if (key == kServiceSetting) ok = add_assignment(value, layer, out, diags, "--") && ok;
    else if (key == kPositional) ok = add_assignment(value, layer, out, diags, "") && ok;
    else {
      const KeySpec* k = find_key(key);
      if (o.value.empty() && is_bool_key(k)) value = "yes";
      out.settings.push_back(Setting{"", key, value, Origin{layer, {}, 0}});
    }
  }
  return ok;
}

namespace {
// True when the option `a` (written without '=') takes the next argument as its value.
bool takes_value(const std::string& a) {
  if (a == "-c" || a == "--inetd" || a == "--import-inetd" || a == "--import-xinetd" ||
      a == "--dump-schema")
    return true;
  if (a.rfind("--", 0) != 0 || a.find('=') != std::string::npos) return false;
  std::string key = a.substr(2);
  if (auto dot = key.find('.'); dot != std::string::npos) key = key.substr(dot + 1);
  const KeySpec* k = find_key(key);
  return k && !is_bool_key(k);
}
}  // namespace

bool split_ctl(const std::vector<std::string>& args, std::vector<std::string>& settings,
               std::vector<std::string>& command, bool& help) {
  settings.clear();
  command.clear();
  help = false;
  bool ctl = false, in_command = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (in_command) {
      command.push_back(a);
    } else if (a == "ctl" && !ctl) {
      ctl = true;
    } else if (ctl && (a == "-h" || a == "--help")) {
      help = true;
    } else if (ctl && a == "--json") {
      command.push_back(a);
    } else if (!a.empty() && a[0] == '-') {
      settings.push_back(a);
      if (takes_value(a) && i + 1 < args.size()) settings.push_back(args[++i]);
    } else if (ctl && a.find('=') == std::string::npos) {
      command.push_back(a);  // the command: the rest is its arguments
      in_command = true;
    } else {
      settings.push_back(a);
    }
  }
  return ctl;
}

std::string ctl_help_text() {
  return "usage: superd [-c FILE | --control_socket=PATH] ctl [--json] COMMAND [ARGS]\n\n"
         "Asks the running superd, through its control socket (control_socket).\n\n"
         "Commands:\n"
         "  status                   superd and each service: state, counts, endpoints\n"
         "  connections [SERVICE]    live connections: service, peer, pid or bytes, age\n"
         "  sources [SERVICE]        busiest sources: accepted, refused, active now\n"
         "  reload                   reload the configuration; the errors when it fails\n"
         "  check                    what a reload would change, without reloading\n"
         "  pause SERVICE            stop accepting; new connections wait in the backlog\n"
         "  resume SERVICE           accept again (after pause or drain)\n"
         "  drain SERVICE [TIMEOUT]  stop accepting; answer when the last connection ended\n"
         "  signal SERVICE SIGNAL    send SIGNAL to the service's programs\n\n"
         "--json answers in JSON. Exit status: 0 done, 1 the command failed, 2 superd\n"
         "refused this user, 3 no control socket configured, 100 usage error,\n"
         "111 superd cannot be reached.\n";
}

std::string help_text() {
  std::ostringstream os;
  os << "usage: superd [-c FILE] [--KEY=VALUE | --KEY VALUE | KEY=VALUE]... "
        "[--SERVICE.KEY=VALUE]...\n"
        "       superd -t | --check | --print-config | --inetd SERVICE | -h | -V\n"
        "       superd --import-inetd FILE | --import-xinetd FILE\n"
        "       superd ctl [--json] COMMAND [ARGS]  (superd ctl --help)\n\n"
        "A configuration-driven superserver. Default conf file: "
     << default_conf_path() << "\n\n"
     << actions() << "\n"
     << key_options() << "\nService keys (--SERVICE.KEY=VALUE, or in a [SERVICE] section):\n";
  for (const KeySpec& k : keys()) {
    if (k.scope != Scope::Service) continue;
    std::string left = "  " + std::string(k.name) + " " + k.target.type;
    if (left.size() < 26) left.resize(26, ' ');
    else left += "\n" + std::string(26, ' ');
    os << left << k.doc << (*k.def ? std::string(" [") + k.def + "]" : "") << "\n";
  }
  return os.str();
}

}  // namespace superd::conf
