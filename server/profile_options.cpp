#include "server/profile_options.hpp"

#include <algorithm>

#include "server/profile/profile_flags.hpp"

namespace bro::server {
namespace po = boost::program_options;
namespace {

// A flag followed by exactly `count` values (--bind SRC DEST), which boost's typed values do
// not express: they take one value or any number.
class FixedValues : public po::typed_value<std::vector<std::string>> {
  public:
    explicit FixedValues(unsigned count)
        : po::typed_value<std::vector<std::string>>(nullptr), count_(count) {}
    unsigned min_tokens() const override { return count_; }
    unsigned max_tokens() const override { return count_; }

  private:
    unsigned count_;
};

po::value_semantic* values_of(const profile::ProfileFlagSpec& spec) {
    auto* value = new FixedValues(static_cast<unsigned>(spec.value_count));
    if (spec.value_count == 0) value->zero_tokens();
    value->value_name(spec.value_names);
    return value;
}

}  // namespace

po::options_description describe_profile_options() {
    using profile::FlagGroup;
    po::options_description groups;
    for (const FlagGroup group : {FlagGroup::kNamespaces, FlagGroup::kFilesystem,
                                  FlagGroup::kBuildRoot, FlagGroup::kProcess, FlagGroup::kTrying}) {
        po::options_description section(profile::group_heading(group));
        for (const auto& spec : profile::profile_flag_specs()) {
            if (spec.group == group) section.add_options()(spec.name, values_of(spec), spec.help);
        }
        groups.add(section);
    }
    return groups;
}

void add_run_command(po::options_description& hidden,
                     po::positional_options_description& positional) {
    hidden.add_options()(kRunCommandOption, po::value<std::vector<std::string>>(),
                         "the command --run runs");
    positional.add(kRunCommandOption, -1);
}

bool command_line_only(const std::string& option) {
    return profile::find_profile_flag(option) != nullptr || option == "check" || option == "run" ||
           option == kRunCommandOption;
}

std::vector<profile::ProfileFlag> take_profile_flags(po::parsed_options& parsed) {
    std::vector<profile::ProfileFlag> flags;
    auto& options = parsed.options;
    for (const auto& option : options) {
        if (profile::find_profile_flag(option.string_key) != nullptr) {
            flags.push_back({option.string_key, option.value});
        }
    }
    options.erase(std::remove_if(options.begin(), options.end(),
                                 [](const po::option& option) {
                                     return profile::find_profile_flag(option.string_key) !=
                                            nullptr;
                                 }),
                  options.end());
    return flags;
}

}  // namespace bro::server
