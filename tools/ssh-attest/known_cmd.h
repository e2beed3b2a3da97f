// ssh-attest known (known_cmd.cpp): argv holds the arguments after "known".
#pragma once

int KnownCommand(int argc, char** argv);
