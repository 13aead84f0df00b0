import {sts, Block, Bytes, Option, Result, ConstantType, RuntimeCtx} from '../support'

export const maxLength =  {
    v9201: new ConstantType(
        'ContainerRegistry.MaxLength',
        sts.number()
    ),
}
